package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// cpuProfile and memProfile are the global --cpuprofile and --memprofile flags: where to write a CPU profile
// of the whole command and a heap profile taken as it ends, for `go tool pprof`. They serve measuring a
// stage on a real store (docs/performance.md), as `go test -cpuprofile` serves a benchmark.
var cpuProfile, memProfile string

func init() {
	rootCmd.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file")
	rootCmd.PersistentFlags().StringVar(&memProfile, "memprofile", "", "write a heap profile (allocations and what is in use) to this file as the command ends")
}

// startProfiles starts the CPU profile if asked for; the returned function stops it and writes the heap
// profile. Errors name the flag and the file.
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
	return func() error {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				return fmt.Errorf("--cpuprofile %s: %w", cpuProfile, err)
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
