package score

// SetAheadThreads sets how many threads' scores a planned run's conversation scorer keeps ready, for a
// test to make the goroutine wait; it returns the function that restores it.
func SetAheadThreads(n int) (restore func()) {
	old := aheadThreads
	aheadThreads = n
	return func() { aheadThreads = old }
}

// AheadRunning returns how many goroutines score a planned run's conversations ahead.
func AheadRunning() int { return int(aheadRunning.Load()) }
