package optimize

import (
	"math"
	"reflect"
	"testing"
)

func TestNonDominatedSort(t *testing.T) {
	points := [][]float64{
		{1, 5}, // 0: front 0
		{2, 3}, // 1: front 0
		{4, 1}, // 2: front 0
		{3, 4}, // 3: dominated by 1
		{5, 5}, // 4: dominated by 3 (and 0, 1, 2)
		{2, 3}, // 5: duplicate of 1, front 0
		{4, 2}, // 6: dominated by 2
	}
	got := NonDominatedSort(points)
	want := [][]int{{0, 1, 2, 5}, {3, 6}, {4}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fronts %v, want %v", got, want)
	}
	if f := ParetoFront(points); !reflect.DeepEqual(f, want[0]) {
		t.Errorf("ParetoFront %v, want %v", f, want[0])
	}
	if f := ParetoFront(nil); f != nil {
		t.Errorf("ParetoFront(nil) = %v", f)
	}
}

func TestDominates(t *testing.T) {
	for _, c := range []struct {
		a, b []float64
		want bool
	}{
		{[]float64{1, 1}, []float64{2, 2}, true},
		{[]float64{1, 2}, []float64{1, 3}, true},
		{[]float64{1, 2}, []float64{1, 2}, false},
		{[]float64{1, 3}, []float64{2, 2}, false},
		{[]float64{1, 1, 1}, []float64{1, 1, 0}, false},
	} {
		if got := Dominates(c.a, c.b); got != c.want {
			t.Errorf("Dominates(%v, %v) = %v", c.a, c.b, got)
		}
	}
}

func TestHypervolume(t *testing.T) {
	for _, c := range []struct {
		name   string
		points [][]float64
		ref    []float64
		want   float64
	}{
		// Staircase (1,3), (2,2), (3,1) under (4,4): 3*1 + 2*1 + 1*1 = 6.
		{"2d staircase", [][]float64{{1, 3}, {2, 2}, {3, 1}}, []float64{4, 4}, 6},
		// A dominated point and one outside the reference box add nothing.
		{"2d dominated and outside", [][]float64{{1, 3}, {2, 2}, {3, 1}, {3, 3}, {0, 5}}, []float64{4, 4}, 6},
		{"2d single", [][]float64{{0, 0}}, []float64{2, 3}, 6},
		{"2d empty", nil, []float64{1, 1}, 0},
		// A point on the reference boundary adds nothing.
		{"2d on boundary", [][]float64{{4, 0}}, []float64{4, 4}, 0},
		// One point (0,0,0) under (1,2,3): a 6-unit box.
		{"3d single", [][]float64{{0, 0, 0}}, []float64{1, 2, 3}, 6},
		// Two boxes [0,2]x[0,1]x[0,1] (2) and [0,1]x[0,2]x[0,1] (2) overlapping
		// in [0,1]^2x[0,1] (1) under (2,2,1): 3.
		{"3d two", [][]float64{{0, 1, 0}, {1, 0, 0}}, []float64{2, 2, 1}, 3},
		// (1,1,1), (0,2,2), (2,0,2) under (3,3,3): boxes of 8, 3 and 3;
		// pairwise overlaps: (1,1,1)&(0,2,2) = 2*1*1 = 2, (1,1,1)&(2,0,2) = 2,
		// (0,2,2)&(2,0,2) = 1*1*1 = 1; triple overlap = 1*1*1 = 1.
		// 8 + 3 + 3 - 2 - 2 - 1 + 1 = 10.
		{"3d three", [][]float64{{1, 1, 1}, {0, 2, 2}, {2, 0, 2}}, []float64{3, 3, 3}, 10},
	} {
		got, err := Hypervolume(c.points, c.ref)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: hypervolume %v, want %v", c.name, got, c.want)
		}
	}
	if _, err := Hypervolume([][]float64{{1}}, []float64{2}); err == nil {
		t.Error("1 objective: want an error")
	}
	if _, err := Hypervolume([][]float64{{1, 2}}, []float64{2, 2, 2}); err == nil {
		t.Error("mismatched lengths: want an error")
	}
}

// The 3-D hypervolume of points that share the third objective is the 2-D
// hypervolume times the depth.
func TestHypervolume3DMatches2D(t *testing.T) {
	pts2 := [][]float64{{0.1, 0.9}, {0.3, 0.4}, {0.5, 0.35}, {0.8, 0.1}, {0.6, 0.6}}
	var pts3 [][]float64
	for _, p := range pts2 {
		pts3 = append(pts3, []float64{p[0], p[1], 0.25})
	}
	h2, _ := Hypervolume(pts2, []float64{1, 1})
	h3, _ := Hypervolume(pts3, []float64{1, 1, 1})
	if math.Abs(h3-0.75*h2) > 1e-12 {
		t.Errorf("3-D %v, want 0.75 x 2-D %v", h3, h2)
	}
}

func TestParEGOWeights(t *testing.T) {
	for k, n := range map[int]int{2: 11, 3: 15} {
		ws := parEGOWeights(k)
		if len(ws) != n {
			t.Errorf("%d objectives: %d weight vectors, want %d", k, len(ws), n)
		}
		for _, w := range ws {
			var s float64
			for _, v := range w {
				s += v
			}
			if math.Abs(s-1) > 1e-12 {
				t.Errorf("weights %v sum to %v", w, s)
			}
		}
	}
	// Scalarization: objectives normalized to [0, 1] over the rows.
	got := scalarize([][]float64{{0, 10}, {1, 0}, {0.5, 5}}, []float64{0.5, 0.5})
	want := []float64{0.5 + 0.05*0.5, 0.5 + 0.05*0.5, 0.25 + 0.05*0.5}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("scalarize row %d = %v, want %v", i, got[i], want[i])
		}
	}
}
