package optimize

import "testing"

func TestSobolFirstPoints(t *testing.T) {
	// The first points of the 3-D sequence of Joe and Kuo's reference
	// implementation (sobol.cc with new-joe-kuo-6.21201), which start at the
	// origin.
	want := [][]float64{
		{0, 0, 0},
		{0.5, 0.5, 0.5},
		{0.75, 0.25, 0.25},
		{0.25, 0.75, 0.75},
		{0.375, 0.375, 0.625},
		{0.875, 0.875, 0.125},
		{0.625, 0.125, 0.875},
		{0.125, 0.625, 0.375},
		{0.1875, 0.3125, 0.9375},
		{0.6875, 0.8125, 0.4375},
	}
	s, err := newSobol(3)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float64, 3)
	for i, w := range want {
		s.point(uint32(i), nil, got)
		for d := range w {
			if got[d] != w[d] {
				t.Fatalf("point %d = %v, want %v", i, got, w)
			}
		}
	}
}

func TestSobolDirectionTable(t *testing.T) {
	if len(joeKuo)+1 != MaxSobolDims {
		t.Fatalf("%d rows for %d dimensions", len(joeKuo), MaxSobolDims)
	}
	for i, row := range joeKuo {
		if int(row[0]) != len(row)-2 {
			t.Errorf("dimension %d: degree %d with %d direction numbers", i+2, row[0], len(row)-2)
		}
		for k, m := range row[2:] {
			if m%2 == 0 || m >= 1<<(k+1) {
				t.Errorf("dimension %d: m_%d = %d must be odd and < 2^%d", i+2, k+1, m, k+1)
			}
		}
	}
	if _, err := newSobol(MaxSobolDims + 1); err == nil {
		t.Error("newSobol accepted more dimensions than it has direction numbers for")
	}
}

// Every dimension of the plain sequence is a (0,m,1)-net: the first 2^m
// points put exactly one point in each interval [j/2^m, (j+1)/2^m).
func TestSobolStratification(t *testing.T) {
	s, err := newSobol(MaxSobolDims)
	if err != nil {
		t.Fatal(err)
	}
	const m = 8
	counts := make([][1 << m]int, MaxSobolDims)
	p := make([]float64, MaxSobolDims)
	for i := range uint32(1 << m) {
		s.point(i, nil, p)
		for d, u := range p {
			counts[d][int(u*(1<<m))]++
		}
	}
	for d := range counts {
		for j, c := range counts[d] {
			if c != 1 {
				t.Fatalf("dimension %d: %d points in bin %d of %d", d+1, c, j, 1<<m)
			}
		}
	}
	// The first two dimensions form a (0,2)-sequence: every 2^a x 2^(m-a)
	// box holds one of the first 2^m points.
	for d1 := range 1 {
		for d2 := d1 + 1; d2 < 2; d2++ {
			for a := 0; a <= m; a++ {
				seen := map[[2]int]bool{}
				for i := range uint32(1 << m) {
					s.point(i, nil, p)
					b := [2]int{int(p[d1] * float64(int(1)<<a)), int(p[d2] * float64(int(1)<<(m-a)))}
					if seen[b] {
						t.Fatalf("dimensions %d,%d: box %v of a %dx%d grid holds two points", d1+1, d2+1, b, 1<<a, 1<<(m-a))
					}
					seen[b] = true
				}
			}
		}
	}
}
