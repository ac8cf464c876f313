package cli

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// What shell completion offers for the value of each flag, by the flag's
// name ("-" spelling; --encrypted_key is --encrypted-key). Every flag that
// takes a value has an entry, so that a new flag is completed on purpose
// (TestCompleteEveryFlag checks): a file, a folder, one of a few values, or
// nothing, where any file name offered would be wrong. A password above all
// gets nothing: no file name of the current folder belongs there.
var flagCompletion = map[string]cobra.CompletionFunc{
	// A file to read or write.
	"encrypted-key": completeFiles,
	"encrypted":     completeFiles,
	"key":           completeFiles,
	"password-file": completeFiles,
	"exclude-from":  completeFiles,
	"manifest":      completeFiles,
	"python":        completeFiles,
	"write":         completeFiles,
	"config":        cobra.FixedCompletions([]string{"xml"}, cobra.ShellCompDirectiveFilterFileExt),

	// A folder.
	"target":       completeDirs,
	"manifest-dir": completeDirs,
	"data":         completeDirs,

	// One of a few values.
	"output":              completeValues("text", "json"),
	"log-format":          completeValues("text", "json"),
	"if-exists":           completeValues("overwrite", "skip", "fail"),
	"format":              completeValues("env", "streamlit"),
	"refuse-empty-append": completeValues("entry", "request"),
	"contention-shape":    completeValues("entry", "call", "mixed"),
	"header-limit-status": completeValues("431", "413", "400"),
	"malformed-token":     completeValues("shape", "all"),
	"display-case":        completeValues("request", "lower", "random"),
	"non-bmp-names":       completeValues("refuse", "400"),

	// Free text: secrets, names, numbers, sizes, URLs, Dropbox paths and
	// patterns (relative to LOCAL, not to the current folder).
	"password":         cobra.NoFileCompletions,
	"key-password":     cobra.NoFileCompletions,
	"app-key":          cobra.NoFileCompletions,
	"app-secret":       cobra.NoFileCompletions,
	"token":            cobra.NoFileCompletions,
	"api-url":          cobra.NoFileCompletions,
	"listen":           cobra.NoFileCompletions,
	"dest":             cobra.NoFileCompletions,
	"exclude":          cobra.NoFileCompletions,
	"include":          cobra.NoFileCompletions,
	"max-size":         cobra.NoFileCompletions,
	"bwlimit":          cobra.NoFileCompletions,
	"network-timeout":  cobra.NoFileCompletions,
	"bandwidth":        cobra.NoFileCompletions,
	"parallel":         cobra.NoFileCompletions,
	"seed":             cobra.NoFileCompletions,
	"latency":          cobra.NoFileCompletions,
	"retry-after":      cobra.NoFileCompletions,
	"token-lifetime":   cobra.NoFileCompletions,
	"fail-rate":        cobra.NoFileCompletions,
	"reset-rate":       cobra.NoFileCompletions,
	"throttle-rate":    cobra.NoFileCompletions,
	"max-header-bytes": cobra.NoFileCompletions,
	"contention":       cobra.NoFileCompletions,
	"quota":            cobra.NoFileCompletions,
	"session-ttl":      cobra.NoFileCompletions,
	"document":         cobra.NoFileCompletions,
	"restricted":       cobra.NoFileCompletions,
}

func completeFiles(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveDefault
}

func completeDirs(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
}

func completeValues(values ...string) cobra.CompletionFunc {
	return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
}

// takesValue says whether f needs a value after it (a bool flag does not).
func takesValue(f *pflag.Flag) bool { return f.NoOptDefVal == "" }

// registerFlagCompletion gives every flag of c that takes a value its
// completion from flagCompletion.
func registerFlagCompletion(c *cobra.Command) {
	for _, fs := range []*pflag.FlagSet{c.LocalNonPersistentFlags(), c.PersistentFlags()} {
		fs.VisitAll(func(f *pflag.Flag) {
			if complete, ok := flagCompletion[f.Name]; ok && takesValue(f) {
				_ = c.RegisterFlagCompletionFunc(f.Name, complete)
			}
		})
	}
}
