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
// params (configschema.ResolveParams), as Elements does a config's. When
// the config file (config) holds the element the params came from, the
// element gets its index and line there, for messages ("element 2 (line
// 14)"); else it is element 1, at line 0.
func CallElement(dir, config string, params []configschema.Flag, opts configschema.ResolveOptions, log hclog.Logger) (configschema.Element, error) {
	e, warns, err := configschema.ResolveParams(dir, params, opts)
	if err == nil {
		if c, loadErr := configschema.Load(config); loadErr == nil {
			if s, ok := c.CallSite(params); ok {
				e.Index, e.Line = s.Index, s.Line
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
