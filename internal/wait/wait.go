// Package wait sleeps in a way a context can cut short: what every client that waits out a rate limit or
// backs off between retries needs.
package wait

import (
	"context"
	"time"
)

// Sleep waits for d, or until ctx ends, whichever comes first; it returns ctx's error when ctx ended first.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
