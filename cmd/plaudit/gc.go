package main

import (
	"os"
	"runtime/debug"
)

// stageMemoryLimit is the soft limit on the Go heap of the commands that walk the whole log (score,
// integrity run, epoch close, verify): 1.5 GiB, so that a stage whose live heap stays below it keeps
// within the 2 GB a small machine has, collecting more often as it nears the limit instead of letting
// the heap double (GOGC) past it. A stage that needs more live memory still runs, collecting often.
const stageMemoryLimit = 1536 << 20

// tuneGCForStage sets the collector for a whole-log stage: gcPercent (GOGC; 100 is the default, more
// collects less often, for a stage whose heap is mostly live to the end) within stageMemoryLimit. GOGC
// and GOMEMLIMIT in the environment win.
func tuneGCForStage(gcPercent int) {
	if os.Getenv("GOGC") == "" && gcPercent != 100 {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(stageMemoryLimit)
	}
}
