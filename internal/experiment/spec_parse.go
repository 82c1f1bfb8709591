package experiment

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// Parse reads an Experiment from YAML (or JSON) strictly: unknown and
// duplicated fields are errors. It validates the spec and returns it with
// its defaults filled in. A validation failure is a *ValidationError.
func Parse(data []byte) (*Experiment, error) {
	var e Experiment
	if err := yaml.UnmarshalStrict(data, &e); err != nil {
		return nil, fmt.Errorf("parse experiment: %w", err)
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return e.Defaulted(), nil
}

// Load reads and parses the experiment file at path; errors name the path.
func Load(path string) (*Experiment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load experiment: %w", err)
	}
	e, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load experiment %s: %w", path, err)
	}
	return e, nil
}

// Marshal writes e as YAML.
func Marshal(e *Experiment) ([]byte, error) {
	data, err := yaml.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("marshal experiment: %w", err)
	}
	return data, nil
}
