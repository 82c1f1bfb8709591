package optimize

import "fmt"

// joeKuo holds, for dimensions 2..53 of the Sobol sequence, the degree s of
// the primitive polynomial, its inner coefficients a and the initial
// direction numbers m_1..m_s, copied from the file new-joe-kuo-6.21201 of
// S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better
// two-dimensional projections", SIAM J. Sci. Comput. 30 (2008) 2635-2654,
// published at https://web.maths.unsw.edu.au/~fkuo/sobol/ (rows d = 2..53,
// every polynomial of degree <= 8). Dimension 1 is the van der Corput
// sequence (all m_i = 1).
var joeKuo = [][]uint32{
	{1, 0, 1},
	{2, 1, 1, 3},
	{3, 1, 1, 3, 1},
	{3, 2, 1, 1, 1},
	{4, 1, 1, 1, 3, 3},
	{4, 4, 1, 3, 5, 13},
	{5, 2, 1, 1, 5, 5, 17},
	{5, 4, 1, 1, 5, 5, 5},
	{5, 7, 1, 1, 7, 11, 19},
	{5, 11, 1, 1, 5, 1, 1},
	{5, 13, 1, 1, 1, 3, 11},
	{5, 14, 1, 3, 5, 5, 31},
	{6, 1, 1, 3, 3, 9, 7, 49},
	{6, 13, 1, 1, 1, 15, 21, 21},
	{6, 16, 1, 3, 1, 13, 27, 49},
	{6, 19, 1, 1, 1, 15, 7, 5},
	{6, 22, 1, 3, 1, 15, 13, 25},
	{6, 25, 1, 1, 5, 5, 19, 61},
	{7, 1, 1, 3, 7, 11, 23, 15, 103},
	{7, 4, 1, 3, 7, 13, 13, 15, 69},
	{7, 7, 1, 1, 3, 13, 7, 35, 63},
	{7, 8, 1, 3, 5, 9, 1, 25, 53},
	{7, 14, 1, 3, 1, 13, 9, 35, 107},
	{7, 19, 1, 3, 1, 5, 27, 61, 31},
	{7, 21, 1, 1, 5, 11, 19, 41, 61},
	{7, 28, 1, 3, 5, 3, 3, 13, 69},
	{7, 31, 1, 1, 7, 13, 1, 19, 1},
	{7, 32, 1, 3, 7, 5, 13, 19, 59},
	{7, 37, 1, 1, 3, 9, 25, 29, 41},
	{7, 41, 1, 3, 5, 13, 23, 1, 55},
	{7, 42, 1, 3, 7, 3, 13, 59, 17},
	{7, 50, 1, 3, 1, 3, 5, 53, 69},
	{7, 55, 1, 1, 5, 5, 23, 33, 13},
	{7, 56, 1, 1, 7, 7, 1, 61, 123},
	{7, 59, 1, 1, 7, 9, 13, 61, 49},
	{7, 62, 1, 3, 3, 5, 3, 55, 33},
	{8, 14, 1, 3, 1, 15, 31, 13, 49, 245},
	{8, 21, 1, 3, 5, 15, 31, 59, 63, 97},
	{8, 22, 1, 3, 1, 11, 11, 11, 77, 249},
	{8, 38, 1, 3, 1, 11, 27, 43, 71, 9},
	{8, 47, 1, 1, 7, 15, 21, 11, 81, 45},
	{8, 49, 1, 3, 7, 3, 25, 31, 65, 79},
	{8, 50, 1, 3, 1, 1, 19, 11, 3, 205},
	{8, 52, 1, 1, 5, 9, 19, 21, 29, 157},
	{8, 56, 1, 3, 7, 11, 1, 33, 89, 185},
	{8, 67, 1, 3, 3, 3, 15, 9, 79, 71},
	{8, 70, 1, 3, 7, 11, 15, 39, 119, 27},
	{8, 84, 1, 1, 3, 1, 11, 31, 97, 225},
	{8, 97, 1, 1, 1, 3, 23, 43, 57, 177},
	{8, 103, 1, 3, 7, 7, 17, 17, 37, 71},
	{8, 115, 1, 3, 1, 5, 27, 63, 123, 213},
	{8, 122, 1, 1, 3, 5, 11, 43, 53, 133},
}

// MaxSobolDims is the number of dimensions the Sobol generator supports.
const MaxSobolDims = 53

const sobolBits = 32

// sobol generates the Sobol sequence in Gray-code order (the order of
// Joe and Kuo's reference implementation), one point per index.
type sobol struct {
	v [][sobolBits]uint32 // direction numbers per dimension, scaled to 32 bits
}

func newSobol(dims int) (*sobol, error) {
	if dims < 1 || dims > MaxSobolDims {
		return nil, fmt.Errorf("sobol: %d dimensions, want 1..%d", dims, MaxSobolDims)
	}
	s := &sobol{v: make([][sobolBits]uint32, dims)}
	for k := range sobolBits {
		s.v[0][k] = 1 << (sobolBits - 1 - k)
	}
	for d := 1; d < dims; d++ {
		row := joeKuo[d-1]
		deg, a, m := int(row[0]), row[1], row[2:]
		v := &s.v[d]
		for k := range sobolBits {
			if k < deg {
				v[k] = m[k] << (sobolBits - 1 - k)
				continue
			}
			// Bratley and Fox's recurrence: the polynomial's inner
			// coefficients are the bits of a, most significant first.
			x := v[k-deg] ^ (v[k-deg] >> deg)
			for j := 1; j < deg; j++ {
				if (a>>(deg-1-j))&1 == 1 {
					x ^= v[k-j]
				}
			}
			v[k] = x
		}
	}
	return s, nil
}

// point writes the index-th point of the sequence into dst, XOR-ed with
// shift (a random digital shift; nil for the plain sequence). Index 0 is the
// origin of the plain sequence.
func (s *sobol) point(index uint32, shift []uint32, dst []float64) {
	g := index ^ (index >> 1)
	for d := range s.v {
		var x uint32
		for k, gg := 0, g; gg != 0; k, gg = k+1, gg>>1 {
			if gg&1 == 1 {
				x ^= s.v[d][k]
			}
		}
		if shift != nil {
			x ^= shift[d]
			// Center in the 2^-32 cell so a shifted coordinate is never
			// exactly 0.
			dst[d] = (float64(x) + 0.5) / (1 << sobolBits)
			continue
		}
		dst[d] = float64(x) / (1 << sobolBits)
	}
}
