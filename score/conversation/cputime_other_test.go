//go:build !unix

package conversation

import "time"

// processCPU is unavailable here; benchmarks then report wall-clock throughput only.
func processCPU() time.Duration { return 0 }
