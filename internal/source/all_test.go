package source_test

import (
	"context"
	"testing"

	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/source/fake"
	"tailor.dev/tailor/internal/source/sourcetest"
)

func TestAll(t *testing.T) {
	want := sourcetest.Samples()
	r, err := source.All(context.Background(), fake.New(want), source.Window{}, sourcetest.Step)
	if err != nil {
		t.Fatal(err)
	}
	got, err := source.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	source.SortSamples(want)
	source.SortSamples(got)
	if len(got) != len(want) {
		t.Fatalf("%d samples, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Ref != want[i].Ref || !got[i].Time.Equal(want[i].Time) {
			t.Errorf("sample %d: %v at %s, want %v at %s", i, got[i].Ref, got[i].Time, want[i].Ref, want[i].Time)
		}
	}
}
