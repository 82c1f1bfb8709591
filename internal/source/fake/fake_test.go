package fake_test

import (
	"testing"

	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/source/fake"
	"tailor.dev/tailor/internal/source/sourcetest"
	"tailor.dev/tailor/internal/workload"
)

func TestConformance(t *testing.T) {
	sourcetest.Run(t, func(_ *testing.T, s []workload.Sample) source.Source { return fake.New(s) })
}
