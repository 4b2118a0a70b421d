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

// verifyMemoryLimit is verify's soft limit: 1.8125 GiB (1,856 MiB). Verify writes nothing to the store, so
// beside its Go heap it holds little (its goroutines' stacks and SQLite's read cache: a peak 25–100 MB
// above the limit, where a score writing its rows runs 230 MB above it). Its live heap at a million
// members is 1.0–1.2 GB for most of the run, so every MiB above that is room for the collector between
// cycles: at that size verify took 77–79 s within 1.75 GiB against 84 s within 1.5 GiB, at a peak of
// 1,851 MB against 1,599 MB (stop 35), and peaks about 1.92 GB within this limit (docs/performance.md).
const verifyMemoryLimit = 1856 << 20

// verifyGCPercent is verify's GOGC: 400. Verify's heap grows for its first walk of the log (the directory
// it builds is most of what it keeps) and then stays near the soft limit, where the limit, not GOGC, sets
// how often the collector runs. With the default 100, the growth alone cost 14 collections at a million
// members, each marking the heap as it then was; at 400 it costs a few, and a small community's verify
// still collects when its heap is five times what it keeps.
const verifyGCPercent = 400

// tuneGCForStage sets the collector for a whole-log stage: gcPercent (GOGC; 100 is the default, more
// collects less often, for a stage whose heap is mostly live to the end) within limit (stageMemoryLimit
// but for verify). GOGC and GOMEMLIMIT in the environment win.
func tuneGCForStage(gcPercent int, limit int64) {
	if os.Getenv("GOGC") == "" && gcPercent != 100 {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(limit)
	}
}
