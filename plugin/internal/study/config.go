package study

import (
	"errors"

	"github.com/hashicorp/go-hclog"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// Elements reads the config file of the study dir and checks its Dropbox
// elements. Warnings go to log; an invalid config is exit code 3, with
// every problem on a line of its own.
func Elements(file, dir string, opts configschema.ResolveOptions, log hclog.Logger) ([]configschema.Element, error) {
	c, err := configschema.Load(file)
	var elems []configschema.Element
	var warns []configschema.Problem
	if err == nil {
		elems, warns, err = c.Resolve(dir, opts)
	}
	return elems, checked(log, warns, err)
}

// CallElement checks the one element of a librec-auto call, given as its
// params (configschema.ResolveParams) and its password pw, as Elements does
// a config's. When the config file (config) holds the element the params
// came from, the element gets its index and line there, for messages
// ("element 2 (line 14)"), and the password written there: when the call's
// password is that text and no -k password followed it, the element's
// Password is PasswordInline, with ConfigPassword the call's password, as
// for a config's element in 'run' (DROPBOX_POST_PASSWORD wins over it, and
// it is used only with a warning); else a call with a password is
// PasswordFromFlag, with ConfigPassword the config's text, if any, so that
// a flag's password that is the same is warned about too.
func CallElement(dir, config string, params []configschema.Flag, pw configschema.CallPassword, opts configschema.ResolveOptions, log hclog.Logger) (configschema.Element, error) {
	if pw.Count > 0 {
		params = append(params, configschema.Flag{Name: "password"}) // the value stays in pw
	}
	e, warns, err := configschema.ResolveParams(dir, params, opts)
	if err == nil {
		if c, loadErr := configschema.Load(config); loadErr == nil {
			if s, ok := c.CallSite(params); ok {
				e.Index, e.Line = s.Index, s.Line
				written, fromConfig := s.PasswordOf(pw)
				switch {
				case fromConfig:
					e.Password, e.ConfigPassword = configschema.PasswordInline, pw.Last
				case pw.Count > 0:
					e.ConfigPassword = written
				}
			}
		}
	}
	return e, checked(log, warns, err)
}

// checked logs the config's warnings and turns an invalid config into exit
// code 3, with every problem on a line of its own.
func checked(log hclog.Logger, warns []configschema.Problem, err error) error {
	for _, w := range warns {
		log.Warn(w.String())
	}
	var inv *configschema.InvalidError
	if errors.As(err, &inv) {
		return exit.Wrap(exit.Config, err, inv.Error(), "")
	}
	return err
}
