// Package share makes shared links for what was posted, so that a study's
// results can be handed to someone who does not use the same Dropbox.
package share

import (
	"context"
	"errors"
	"fmt"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/sharing"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// Link returns a shared link to the Dropbox file or folder at path (a
// cleaned path, not the root): a new one, made with the account's default
// settings, or the one that already exists. Dropbox answers
// shared_link_already_exists for a path that has a link, usually with that
// link; when it does not, the link is looked up with list_shared_links.
// Errors are *exit.Error; a credential without the sharing scopes gets an
// Auth error that says to run 'dropbox-post auth --share'.
func Link(ctx context.Context, c sharing.ContextClient, path string) (string, error) {
	if path == "" {
		return "", exit.New(exit.Usage, "cannot share the whole Dropbox", "share a folder or a file")
	}
	md, err := c.CreateSharedLinkWithSettingsContext(ctx, sharing.NewCreateSharedLinkWithSettingsArg(path))
	if err == nil {
		if u := linkURL(md); u != "" {
			return u, nil
		}
		return "", exit.New(exit.Dropbox, "sharing "+path+": Dropbox answered without a link", "run again")
	}
	var ce sharing.CreateSharedLinkWithSettingsAPIError
	if !errors.As(err, &ce) || ce.EndpointError == nil || ce.EndpointError.Tag != sharing.CreateSharedLinkWithSettingsErrorSharedLinkAlreadyExists {
		return "", explain(err, path)
	}
	if e := ce.EndpointError.SharedLinkAlreadyExists; e != nil {
		if u := linkURL(e.Metadata); u != "" {
			return u, nil
		}
	}
	return existing(ctx, c, path)
}

// existing returns the link that points at path itself.
func existing(ctx context.Context, c sharing.ContextClient, path string) (string, error) {
	arg := sharing.NewListSharedLinksArg()
	arg.Path, arg.DirectOnly = path, true
	res, err := c.ListSharedLinksContext(ctx, arg)
	if err != nil {
		return "", explain(err, path)
	}
	for _, l := range res.Links {
		if u := linkURL(l); u != "" {
			return u, nil
		}
	}
	return "", exit.New(exit.Dropbox, fmt.Sprintf("sharing %s: Dropbox says a link exists but lists none", dpath.Quote(path)), "run again in a minute")
}

// linkURL returns the URL of a link's metadata, or "".
func linkURL(md sharing.IsSharedLinkMetadata) string {
	switch m := md.(type) {
	case *sharing.FileLinkMetadata:
		return m.Url
	case *sharing.FolderLinkMetadata:
		return m.Url
	case *sharing.SharedLinkMetadata:
		return m.Url
	}
	return ""
}

// explain is dbx.Explain, with the fix for a missing sharing scope.
func explain(err error, path string) error {
	var ae auth.AuthAPIError
	if dbx.MissingScope(err) && errors.As(err, &ae) {
		scope := "sharing.write"
		if ae.AuthError.MissingScope != nil && ae.AuthError.MissingScope.RequiredScope != "" {
			scope = ae.AuthError.MissingScope.RequiredScope
		}
		return exit.Wrap(exit.Auth, err, fmt.Sprintf("sharing %s: the credential lacks the %q permission", dpath.Quote(path), scope),
			"enable sharing.write (and sharing.read) in the App Console's Permissions tab, then run 'dropbox-post auth --share' to make a key file that may create links")
	}
	return dbx.Explain(err, "sharing "+dpath.Quote(path))
}
