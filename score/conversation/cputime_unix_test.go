//go:build unix

package conversation

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time the process has used, user and system, on every thread: a benchmark
// divides work by it to measure throughput per core on a busy machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
