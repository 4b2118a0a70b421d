package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/ingest"
)

// ImportRequest asks to import one file of events into the store.
type ImportRequest struct {
	// Path is the file to import. Unless SkipInvalid, it is read twice at once: checked while it is
	// imported, so that nothing of a file with a bad line is committed.
	Path string
	// Name is how messages name the input ("stdin" for standard input spooled to Path); Path when "".
	Name string
	// Format is the file's format (see ImportFormat).
	Format eventio.Format
	// Batch is how many events are decoded and appended at a time, CommitEvery how many go in one
	// transaction; 0 takes ingest's defaults.
	Batch, CommitEvery int
	// SkipInvalid imports the good lines of a file with bad ones, writing the bad ones to Rejects.
	SkipInvalid bool
	// Rejects is where SkipInvalid writes the bad lines, with their reasons: the file is replaced only when
	// the import finishes, and removed when nothing was rejected (see DefaultRejectsPath, CheckRejectsPath).
	Rejects string
	// Progress, if set, hears now and then how many bytes of the file were consumed.
	Progress func(offset int64)
	// OnBad, if set, is told each problem of each bad line as the check finds it, and the problems of a
	// file that cannot be read on (a bad CSV header, an unclosed quote). It is called from the check's
	// goroutine.
	OnBad func(fe *plaudit.FieldError)
}

// ImportResult says what an import did.
type ImportResult struct {
	ingest.Result
	// Refused says that the file was refused for its bad lines (Rejected counts them) and nothing was
	// stored; the error returned with it says why.
	Refused bool
	// RejectsWritten says that bad lines were written to the request's Rejects file.
	RejectsWritten bool
}

// ImportFormat is the format of an import: format when given (jsonl or csv), JSON Lines for standard input
// ("-"), else the one path's extension names.
func ImportFormat(format, path string) (eventio.Format, error) {
	switch {
	case format != "":
		return eventio.ParseFormat(format)
	case path == "-":
		return eventio.JSONL, nil
	default:
		return eventio.FormatOf(path)
	}
}

// DefaultRejectsPath is where an import of input writes its bad lines unless told otherwise:
// INPUT.rejects.jsonl beside the input, stdin.rejects.jsonl for standard input ("-").
func DefaultRejectsPath(input string) string {
	if input == "-" {
		return "stdin.rejects.jsonl"
	}
	return input + ".rejects.jsonl"
}

// CheckRejectsPath refuses a rejects path that names the input file or a file of the store (the database,
// its WAL, shared-memory or journal file, its migration lock: storeFiles, the store named store in
// messages): an import replaces the rejects file, and must never replace what it was not asked to write.
// input "-" is standard input, which no path names. Paths are compared as files (os.SameFile) when both
// exist, else by their absolute paths with symbolic links in the folder resolved.
func CheckRejectsPath(rejects, input, store string, storeFiles []string) error {
	if input != "-" && samePath(rejects, input) {
		return plaudit.Errorf(plaudit.EINVALID, "the rejects file %s is the input file %s: pass --rejects with another path", rejects, input)
	}
	for _, f := range storeFiles {
		if samePath(rejects, f) {
			return plaudit.Errorf(plaudit.EINVALID, "the rejects file %s is a file of the store %s (%s): pass --rejects with another path", rejects, store, f)
		}
	}
	return nil
}

// samePath reports whether a and b name the same file: the same file on disk when both exist, else the
// same absolute path once the symbolic links of their folders are resolved.
func samePath(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	return canonicalPath(a) == canonicalPath(b)
}

// canonicalPath returns p absolute and cleaned, with its folder's symbolic links resolved when it exists.
func canonicalPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(dir, filepath.Base(abs))
	}
	return abs
}

// ImportFile appends the events of a file to the store, all or nothing unless SkipInvalid: the file is
// checked while it is imported, and nothing is committed until the check has passed every line, so a file
// with a bad line leaves the store as it was. Then the result counts the bad lines as Rejected, Refused is
// set, and the error (EINVALID) says what to do. Importing is idempotent: an event already stored counts as
// a duplicate, so an interrupted import is completed by running it again, as its error says.
func (s *Service) ImportFile(ctx context.Context, req ImportRequest) (*ImportResult, error) {
	name := req.Name
	if name == "" {
		name = req.Path
	}
	in, err := os.Open(req.Path)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "open %s: %v", name, errors.Unwrap(err))
	}
	defer in.Close()
	onBad := func(fe *plaudit.FieldError) {
		if req.OnBad != nil {
			req.OnBad(fe)
		}
	}
	opts := ingest.Options{Format: req.Format, Batch: req.Batch, CommitEvery: req.CommitEvery, SkipInvalid: req.SkipInvalid, Progress: req.Progress}
	var rw *rejectsFile
	if req.SkipInvalid {
		if req.Rejects == "" {
			return nil, plaudit.Errorf(plaudit.EINVALID, "import %s: skipping bad lines needs a rejects file", name)
		}
		rw = &rejectsFile{path: req.Rejects}
		defer rw.discard()
		opts.Rejects = rw
	}
	var chk *ingest.Checker
	if !req.SkipInvalid {
		// The file is checked while it is imported, from a second handle: the import commits nothing
		// until the check has passed the whole file, so a file with a bad line leaves the store as it was.
		chkIn, err := os.Open(req.Path)
		if err != nil {
			return nil, plaudit.Errorf(plaudit.EINVALID, "open %s: %v", name, errors.Unwrap(err))
		}
		defer chkIn.Close()
		chk = ingest.StartCheck(ctx, chkIn, req.Format, nil, func(le *eventio.LineError, _ []byte) {
			for _, fe := range le.Errors {
				onBad(fe)
			}
		})
		defer chk.Stop()
		opts.Gate = chk.Gate
	}
	res, err := ingest.Import(ctx, s.store, in, opts)
	if chk != nil {
		cres, cerr := chk.Wait()
		var ve *plaudit.ValidationError
		switch {
		case cerr != nil && errors.As(cerr, &ve): // a bad CSV header, an unclosed quote: the file cannot be read on
			for _, fe := range ve.Errors {
				onBad(fe)
			}
			return &ImportResult{Result: ingest.Result{Rejected: cres.Bad}, Refused: true},
				plaudit.Errorf(plaudit.EINVALID, "%s: cannot be read past line %d (see above); nothing imported", name, ve.Errors[0].Line)
		case cerr != nil && ctx.Err() == nil:
			return nil, fmt.Errorf("check %s: %w", name, cerr)
		case cerr == nil && cres.Bad > 0:
			return &ImportResult{Result: ingest.Result{Rejected: cres.Bad}, Refused: true},
				plaudit.Errorf(plaudit.EINVALID, "%s: %d bad lines (listed above); nothing imported — fix them, or pass --skip-invalid to import the rest", name, cres.Bad)
		}
	}
	out := &ImportResult{Result: res}
	if rw != nil && err == nil {
		// Only a finished import replaces the rejects file: an interrupted one, run again, rejects the same
		// lines again.
		out.RejectsWritten = rw.f != nil
		if err = rw.commit(); err != nil {
			err = fmt.Errorf("write rejects: %w", err)
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("%s: interrupted after %d new and %d duplicate events; run the same import again to finish it", name, res.New, res.Duplicate)
		}
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	s.log.Info("imported events", "input", name, "new", res.New, "duplicate", res.Duplicate, "rejected", res.Rejected)
	return out, nil
}

// rejectsFile writes the rejects to a temporary file beside path, created on the first write, and commit
// puts it in place of path; an import that rejected nothing removes path instead, since a rejects file left
// by an earlier run would describe that run. discard removes the temporary file, so that an import that
// fails leaves path as it was.
type rejectsFile struct {
	path string
	tmp  string
	f    *os.File
}

func (r *rejectsFile) Write(p []byte) (int, error) {
	if r.f == nil {
		// O_EXCL with a name of our own rather than os.CreateTemp, which makes the file 0600: the rejects
		// file gets the mode the user's umask gives any new file.
		for i := 0; ; i++ {
			tmp := fmt.Sprintf("%s.tmp-%d-%d", r.path, os.Getpid(), i)
			f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
			if errors.Is(err, fs.ErrExist) && i < 100 {
				continue
			}
			if err != nil {
				return 0, err
			}
			r.f, r.tmp = f, tmp
			break
		}
	}
	return r.f.Write(p)
}

// commit puts the rejects in place of path, or removes path when nothing was rejected.
func (r *rejectsFile) commit() error {
	if r.f == nil {
		if err := os.Remove(r.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove the old rejects file: %w", err)
		}
		return nil
	}
	f := r.f
	r.f = nil
	if err := f.Close(); err != nil {
		os.Remove(r.tmp)
		return err
	}
	if err := os.Rename(r.tmp, r.path); err != nil {
		os.Remove(r.tmp)
		return err
	}
	return nil
}

// discard removes the temporary file, if commit has not put it in place.
func (r *rejectsFile) discard() {
	if r.f != nil {
		r.f.Close()
		os.Remove(r.tmp)
		r.f = nil
	}
}
