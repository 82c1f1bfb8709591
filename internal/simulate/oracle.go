package simulate

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"tailor.dev/tailor/internal/workload"
)

// OracleScore is what a clairvoyant policy scores when it knows each
// container's usage in advance and sets its configuration once per block:
// CPU request = the CPUQuantile of the block's CPU usage, memory request =
// limit = the block's peak memory (so it never OOMs). It is the reference
// for how much slack any policy that changes at most once per block could
// remove; a real policy cannot see the future and will do worse.
type OracleScore struct {
	Block       time.Duration
	CPUQuantile float64
	Containers  int
	Samples     int   // samples read (warm-up included)
	Score       Score // Changes is the number of blocks (an upper bound)
}

// Oracle replays the clairvoyant policy for every quantile in one pass. The
// warm-up is excluded from scoring, as in Replay.
func Oracle(src Source, block time.Duration, quantiles []float64, cfg Config) ([]OracleScore, error) {
	if block <= 0 || len(quantiles) == 0 {
		return nil, fmt.Errorf("oracle: block %v must be positive and at least one quantile given", block)
	}
	for _, q := range quantiles {
		if q <= 0 || q > 1 {
			return nil, fmt.Errorf("oracle: quantile %v is not in (0, 1]", q)
		}
	}
	out := make([]OracleScore, len(quantiles))
	for i, q := range quantiles {
		out[i] = OracleScore{Block: block, CPUQuantile: q}
	}
	blocks := map[string]*oracleBlock{}
	for {
		s, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("oracle: %w", err)
		}
		if err := validSample(s); err != nil {
			return nil, err
		}
		b := blocks[s.Ref.Key()]
		if b == nil {
			b = &oracleBlock{start: s.Time, blockStart: s.Time}
			blocks[s.Ref.Key()] = b
		}
		if s.Time.Sub(b.blockStart) >= block {
			b.flush(out, cfg)
			b.blockStart = s.Time
		}
		b.samples = append(b.samples, s)
		b.read++
	}
	samples := 0
	for _, b := range blocks {
		b.flush(out, cfg)
		samples += b.read
	}
	for i := range out {
		out[i].Score.price(cfg.Prices)
		out[i].Containers, out[i].Samples = len(blocks), samples
	}
	return out, nil
}

type oracleBlock struct {
	start, blockStart time.Time
	samples           []workload.Sample
	read              int
}

func (b *oracleBlock) flush(out []OracleScore, cfg Config) {
	defer func() { b.samples = b.samples[:0] }()
	var cpu []float64
	mem := 0.0
	for _, s := range b.samples {
		if s.HasCPU() {
			cpu = append(cpu, s.CPU)
		}
		if s.HasMemory() {
			mem = math.Max(mem, s.Memory)
		}
	}
	slices.Sort(cpu)
	for i := range out {
		res := workload.Resources{MemRequest: mem, MemLimit: mem}
		if len(cpu) > 0 {
			res.CPURequest = cpu[max(0, int(math.Ceil(out[i].CPUQuantile*float64(len(cpu))))-1)]
		}
		scored := false
		for _, s := range b.samples {
			if s.Time.Sub(b.start) >= cfg.WarmUp {
				out[i].Score.add(s, res, false)
				scored = true
			}
		}
		if scored {
			out[i].Score.Changes++
		}
	}
}
