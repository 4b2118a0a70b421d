//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd

package sqlstore

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// tryLockFile takes an exclusive flock on f without waiting, or returns errLockHeld. A flock belongs to the
// open file, so two handles of one process exclude each other too; it is independent of SQLite's own
// fcntl locks on the database.
func tryLockFile(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK):
			return errLockHeld
		default:
			return err
		}
	}
}

// unlockFile releases f's flock.
func unlockFile(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_UN)
}

// isReadOnlyFS reports whether err says the file system is mounted read-only.
func isReadOnlyFS(err error) bool { return errors.Is(err, unix.EROFS) }
