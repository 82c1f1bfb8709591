package experiment

import (
	"errors"
	"fmt"

	"tailor.dev/tailor/internal/optimize"
)

// ExportPort is the port a trial exported for use outside an experiment
// listens on (its addr is 127.0.0.1:ExportPort).
const ExportPort = 8080

// RenderTrial renders the spec's trial templates for the parameter values
// of a recorded trial, as `tailor experiment export` prints them.
func RenderTrial(e *Experiment, rec Record) (Trial, error) {
	d := e.Defaulted()
	values := make([]optimize.Value, len(d.Spec.Parameters))
	for i, p := range d.Spec.Parameters {
		v, ok := rec.Parameters[p.Name]
		if !ok {
			return Trial{}, fmt.Errorf("trial %d: no value for parameter %q", rec.Number, p.Name)
		}
		values[i] = v
	}
	data := d.Spec.templateData(d.Metadata.Name, values, rec.Number, ExportPort)
	t, errs := d.Spec.render(data)
	if len(errs) > 0 {
		msgs := make([]error, len(errs))
		for i, fe := range errs {
			msgs[i] = fmt.Errorf("%s: %s", fe.Field, fe.Detail)
		}
		return Trial{}, fmt.Errorf("trial %d: %w", rec.Number, errors.Join(msgs...))
	}
	t.Number, t.Baseline, t.Experiment, t.Values = rec.Number, rec.Baseline, d.Metadata.Name, rec.Parameters
	return t, nil
}
