package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// cpuProfile, memProfile and peakProfile are the global --cpuprofile, --memprofile and --peakprofile flags:
// where to write a CPU profile of the whole command, a heap profile taken as it ends, and a heap profile of
// what was live when the live heap was largest, for `go tool pprof`. They serve measuring a stage on a real
// store (docs/performance.md), as `go test -cpuprofile` serves a benchmark: a stage's peak memory is what the
// 2 GB targets count, and what is live at the end of it is mostly released already.
var cpuProfile, memProfile, peakProfile string

// peakEvery is how often --peakprofile samples the live heap; peakGrowth is how much larger than the last
// profile written the live heap must be before another is written (each write costs a heap walk).
var (
	peakEvery  = time.Second
	peakGrowth = 1.05
)

func init() {
	rootCmd.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file")
	rootCmd.PersistentFlags().StringVar(&memProfile, "memprofile", "", "write a heap profile (allocations and what is in use) to this file as the command ends")
	rootCmd.PersistentFlags().StringVar(&peakProfile, "peakprofile", "", "write a heap profile of what is live when the live heap is largest (sampled each second) to this file")
}

// startProfiles starts the CPU profile and the peak heap sampler if asked for; the returned function stops
// them and writes the heap profile. Errors name the flag and the file.
func startProfiles() (stop func() error, err error) {
	var cpu *os.File
	if cpuProfile != "" {
		cpu, err = os.Create(cpuProfile)
		if err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("--cpuprofile %s: %w", cpuProfile, err)
		}
	}
	var peak *peakSampler
	if peakProfile != "" {
		if peak, err = startPeakSampler(peakProfile, peakEvery); err != nil {
			if cpu != nil {
				pprof.StopCPUProfile()
				cpu.Close()
			}
			return nil, err
		}
	}
	return func() error {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				return fmt.Errorf("--cpuprofile %s: %w", cpuProfile, err)
			}
		}
		if peak != nil {
			if err := peak.stop(); err != nil {
				return err
			}
		}
		if memProfile == "" {
			return nil
		}
		f, err := os.Create(memProfile)
		if err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
		runtime.GC()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			f.Close()
			return fmt.Errorf("--memprofile %s: %w", memProfile, err)
		}
		return f.Close()
	}, nil
}

// peakSampler reads the live heap (the heap marked live by the last garbage collection) at an interval and
// writes a heap profile each time it is peakGrowth times the largest written so far: the file ends holding
// the profile of the largest live heap seen, within the sampling interval and the growth step. A heap
// profile's in-use figures are those of the last collection too, so the profile and the figure agree.
type peakSampler struct {
	path    string
	done    chan struct{}
	stopped chan error
	largest uint64 // the live heap of the profile written last
}

// startPeakSampler checks that path can be written and starts sampling.
func startPeakSampler(path string, every time.Duration) (*peakSampler, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--peakprofile: %w", err)
	}
	f.Close()
	p := &peakSampler{path: path, done: make(chan struct{}), stopped: make(chan error, 1)}
	go p.run(every)
	return p, nil
}

func (p *peakSampler) run(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var err error
	for {
		select {
		case <-p.done:
			if p.largest == 0 && err == nil {
				err = p.sample() // a command shorter than the interval still gets its profile
			}
			p.stopped <- err
			return
		case <-t.C:
			if err == nil {
				err = p.sample()
			}
		}
	}
}

// liveHeap returns the bytes the last garbage collection marked live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// sample writes the profile when the live heap has grown by peakGrowth since the last one written (always
// for the first), through a temporary file renamed over the last so that the file is never half-written.
func (p *peakSampler) sample() error {
	live := liveHeap()
	if p.largest > 0 && float64(live) < float64(p.largest)*peakGrowth {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(p.path), filepath.Base(p.path)+".*")
	if err != nil {
		return fmt.Errorf("--peakprofile: %w", err)
	}
	if err := pprof.Lookup("heap").WriteTo(tmp, 0); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("--peakprofile %s: %w", p.path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("--peakprofile %s: %w", p.path, err)
	}
	if err := os.Rename(tmp.Name(), p.path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("--peakprofile %s: %w", p.path, err)
	}
	p.largest = max(live, 1)
	return nil
}

// stop ends the sampling and returns its first failure.
func (p *peakSampler) stop() error {
	close(p.done)
	return <-p.stopped
}
