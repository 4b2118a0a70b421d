//go:build !(darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || windows)

package sqlstore

import "os"

// tryLockFile does nothing on systems without flock or LockFileEx: there, two processes must not open a
// fresh SQLite store at the same moment.
func tryLockFile(*os.File) error { return nil }

// unlockFile does nothing, as tryLockFile.
func unlockFile(*os.File) error { return nil }

// isReadOnlyFS reports false: without locks there is no lock file to create.
func isReadOnlyFS(error) bool { return false }
