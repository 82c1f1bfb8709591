package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgress(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, "always", "reading")
	p.update(1, 4, 10)
	p.update(4, 4, 1234)
	p.done()
	out := b.String()
	if !strings.HasPrefix(out, "\rreading [=======>") || !strings.Contains(out, "\rreading [==============================] 4/4 namespaces, 1234 containers\n") {
		t.Errorf("progress output %q", out)
	}
	// Not a terminal (a buffer) in auto mode, and never: nothing is drawn.
	for _, mode := range []string{"auto", "never"} {
		var q bytes.Buffer
		p := newProgress(&q, mode, "reading")
		p.update(1, 2, 3)
		p.done()
		if q.Len() != 0 {
			t.Errorf("%s: drew %q", mode, q.String())
		}
	}
}
