package experiment

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
)

// Reserved template variables, set for every trial next to the parameters.
const (
	VarAddr       = "addr"       // 127.0.0.1:<port>, a free local address for the service
	VarPort       = "port"       // the port of addr, an int
	VarTrial      = "trial"      // the trial number, an int
	VarExperiment = "experiment" // metadata.name
)

var reservedVars = []string{VarAddr, VarPort, VarTrial, VarExperiment}

// templateFuncs are the functions templates may call besides text/template's
// builtins. Arithmetic takes numbers (or numeric strings) and returns
// float64; int, round, ceil and floor return an int64.
var templateFuncs = template.FuncMap{
	"add": arith(func(a, b float64) (float64, error) { return a + b, nil }),
	"sub": arith(func(a, b float64) (float64, error) { return a - b, nil }),
	"mul": arith(func(a, b float64) (float64, error) { return a * b, nil }),
	"div": arith(func(a, b float64) (float64, error) {
		if b == 0 {
			return 0, errors.New("division by zero")
		}
		return a / b, nil
	}),
	"int":   toInt(math.Trunc),
	"round": toInt(math.Round),
	"ceil":  toInt(math.Ceil),
	"floor": toInt(math.Floor),
}

func arith(f func(a, b float64) (float64, error)) func(a, b any) (float64, error) {
	return func(a, b any) (float64, error) {
		x, err := number(a)
		if err != nil {
			return 0, err
		}
		y, err := number(b)
		if err != nil {
			return 0, err
		}
		return f(x, y)
	}
}

func toInt(f func(float64) float64) func(a any) (int64, error) {
	return func(a any) (int64, error) {
		x, err := number(a)
		if err != nil {
			return 0, err
		}
		return int64(f(x)), nil
	}
}

func number(a any) (float64, error) {
	switch v := a.(type) {
	case float64:
		return v, nil
	case int64:
		return float64(v), nil
	case int:
		return float64(v), nil
	case string:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", v)
		}
		return x, nil
	}
	return 0, fmt.Errorf("%v (%T) is not a number", a, a)
}

// parseTemplate parses text with the template functions; on execution a
// missing variable is an error.
func parseTemplate(name, text string) (*template.Template, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(templateFuncs).Parse(text)
	if err != nil {
		return nil, cleanTemplateError(name, err)
	}
	return t, nil
}

// Render executes the template text over data, with the functions and the
// strictness of trial templates; name appears in errors.
func Render(name, text string, data map[string]any) (string, error) {
	t, err := parseTemplate(name, text)
	if err != nil {
		return "", err
	}
	if err := checkVariables(t, data); err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", cleanTemplateError(name, err)
	}
	return b.String(), nil
}

// cleanTemplateError drops the template's name from text/template's
// messages ("template: name:", "executing \"name\" at"): it is the field
// path the caller adds.
func cleanTemplateError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "template: ")
	msg = strings.TrimPrefix(msg, name+":")
	msg = strings.Replace(msg, fmt.Sprintf("executing %q at ", name), "at ", 1)
	return errors.New(msg)
}

// checkVariables reports the first {{.x}} whose x is not a key of data.
// Fields under range and with, where dot is rebound, are not checked.
func checkVariables(t *template.Template, data map[string]any) error {
	for _, name := range dotFields(t.Root) {
		if _, ok := data[name]; !ok {
			return fmt.Errorf("unknown variable %q (want a parameter name or one of %s)",
				name, strings.Join(reservedVars, ", "))
		}
	}
	return nil
}

// dotFields lists the first identifier of every field on dot (.x.y gives x).
func dotFields(n parse.Node) []string {
	var out []string
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					walk(c)
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			out = append(out, n.Ident[0])
		case *parse.ChainNode:
			walk(n.Node)
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe) // the body sees another dot
		case *parse.WithNode:
			walk(n.Pipe)
		}
	}
	walk(n)
	return out
}
