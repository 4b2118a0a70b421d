package main

import (
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/plaudit/plaudit/service"
)

// stageProgress draws a service.Progress on standard error when it is a terminal: one bar per stage
// ("events" read, events "scored"), replaced when the stage changes and cleared when done. Elsewhere it
// draws nothing (nil), so that logs and pipes stay clean.
func stageProgress() (service.Progress, func()) {
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return nil, func() {}
	}
	var bar *progressbar.ProgressBar
	var stage string
	finish := func() {
		if bar != nil {
			_ = bar.Finish()
			bar = nil
		}
	}
	return func(s string, done, total int64) {
		if s != stage || bar == nil {
			finish()
			stage = s
			if total <= 0 {
				total = -1
			}
			bar = progressbar.NewOptions64(total,
				progressbar.OptionSetWriter(os.Stderr),
				progressbar.OptionSetDescription(s),
				progressbar.OptionSetWidth(30),
				progressbar.OptionShowCount(),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
		}
		_ = bar.Set64(done)
	}, finish
}
