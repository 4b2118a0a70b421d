package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/ingest"
	"github.com/plaudit/plaudit/sqlstore"
)

func init() {
	var format, rejects string
	var skipInvalid bool
	var batch, commitEvery int
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import events from a JSON Lines or CSV file (- for standard input)",
		Long: `import appends the events of FILE to the store. The format comes from the extension (.jsonl, .ndjson,
.json, .csv) or --format; "-" reads standard input (JSON Lines unless --format csv).

A file with bad lines is refused whole: every bad line is listed with its field and reason on standard
error, nothing is written, and the exit code is 2. (The file is checked while it is imported, and nothing
is committed until the check has passed every line.) With --skip-invalid the good lines are imported and
the bad ones are written, with their reasons, to FILE.rejects.jsonl (or --rejects).

Events are appended in batches of --batch, and committed every --commit-every events; other writers of the
store wait meanwhile, a few seconds at most. Importing is idempotent: an event already stored (same source
and id) counts as a duplicate and changes nothing, so an interrupted import is completed by running it
again. The last line of standard output is always

  imported N new, M duplicate, K rejected`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImport(cmd.Context(), cmd, args[0], importFlags{format: format, rejects: rejects, skipInvalid: skipInvalid, batch: batch, commitEvery: commitEvery})
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "input format: jsonl or csv (default: from the file extension)")
	cmd.Flags().BoolVar(&skipInvalid, "skip-invalid", false, "import the good lines of a file with bad ones, writing the bad ones to the rejects file")
	cmd.Flags().IntVar(&batch, "batch", ingest.DefaultBatch, "events decoded and appended at a time")
	cmd.Flags().IntVar(&commitEvery, "commit-every", ingest.DefaultCommitEvery, "events per transaction, rounded up to whole batches")
	cmd.Flags().StringVar(&rejects, "rejects", "", "where --skip-invalid writes bad lines (default FILE.rejects.jsonl; stdin.rejects.jsonl for -)")
	rootCmd.AddCommand(cmd)
}

type importFlags struct {
	format, rejects string
	skipInvalid     bool
	batch           int
	commitEvery     int
}

func runImport(ctx context.Context, cmd *cobra.Command, path string, fl importFlags) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if fl.batch < 1 {
		return plaudit.Errorf(plaudit.EINVALID, "--batch must be at least 1")
	}
	if fl.commitEvery < 1 {
		return plaudit.Errorf(plaudit.EINVALID, "--commit-every must be at least 1")
	}
	name := path
	var f eventio.Format
	var err error
	switch {
	case fl.format != "":
		f, err = eventio.ParseFormat(fl.format)
	case path == "-":
		f = eventio.JSONL
	default:
		f, err = eventio.FormatOf(path)
	}
	if err != nil {
		return err
	}
	rpath := ""
	if fl.skipInvalid {
		rpath = fl.rejects
		if rpath == "" {
			if path == "-" {
				rpath = "stdin.rejects.jsonl"
			} else {
				rpath = path + ".rejects.jsonl"
			}
		}
		// The rejects file is replaced at the end: refuse, before anything is read or opened, a path that
		// names the input or the store.
		if err := checkRejectsPath(rpath, path); err != nil {
			return err
		}
	}

	// Standard input can be read only once, and an import reads twice (the check and the append, side by
	// side): spool it to a temporary file first, streaming, so that even a huge pipe is never held in memory.
	if path == "-" {
		name = "stdin"
		tmp, err := spoolStdin(cmd.InOrStdin())
		if err != nil {
			return err
		}
		defer os.Remove(tmp)
		path = tmp
	}
	in, err := os.Open(path)
	if err != nil {
		return plaudit.Errorf(plaudit.EINVALID, "open %s: %v", name, errors.Unwrap(err))
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", name, err)
	}

	store, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()

	// An import's live heap is a few batches, but it allocates fast; collecting less often saves about a
	// sixth of its CPU for some 80 MB more memory. A soft limit of 128 MiB on the Go heap keeps the start,
	// when the check and the import fill their pipelines at once, from growing the heap past what the rest
	// of the import needs (a peak of 188 MB instead of 197–245 for a million events). GOGC and GOMEMLIMIT, when
	// set, still decide.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(128 << 20)
	}

	opts := ingest.Options{Format: f, Batch: fl.batch, CommitEvery: fl.commitEvery, SkipInvalid: fl.skipInvalid}
	var rw *rejectsFile
	if fl.skipInvalid {
		rw = &rejectsFile{path: rpath}
		defer rw.discard()
		opts.Rejects = rw
	}
	bar := newProgress(st.Size(), "importing")
	opts.Progress = bar.set
	var chk *ingest.Checker
	if !fl.skipInvalid {
		// The file is checked while it is imported, from a second handle: the import commits nothing
		// until the check has passed the whole file, so a file with a bad line leaves the store as it was.
		chkIn, err := os.Open(path)
		if err != nil {
			return plaudit.Errorf(plaudit.EINVALID, "open %s: %v", name, errors.Unwrap(err))
		}
		defer chkIn.Close()
		chk = ingest.StartCheck(ctx, chkIn, f, nil, func(le *eventio.LineError, _ []byte) {
			bar.above(func() {
				for _, fe := range le.Errors {
					fmt.Fprintf(stderr, "%s: %s\n", name, fe)
				}
			})
		})
		defer chk.Stop()
		opts.Gate = chk.Gate
	}
	res, err := ingest.Import(ctx, store, in, opts)
	bar.finish()
	if chk != nil {
		cres, cerr := chk.Wait()
		var ve *plaudit.ValidationError
		switch {
		case cerr != nil && errors.As(cerr, &ve): // a bad CSV header, an unclosed quote: the file cannot be read on
			for _, fe := range ve.Errors {
				fmt.Fprintf(stderr, "%s: %s\n", name, fe)
			}
			fmt.Fprintln(stdout, ingest.Result{Rejected: cres.Bad}.String())
			return plaudit.Errorf(plaudit.EINVALID, "%s: cannot be read past line %d (see above); nothing imported", name, ve.Errors[0].Line)
		case cerr != nil && ctx.Err() == nil:
			return fmt.Errorf("check %s: %w", name, cerr)
		case cerr == nil && cres.Bad > 0:
			fmt.Fprintln(stdout, ingest.Result{Rejected: cres.Bad}.String())
			return plaudit.Errorf(plaudit.EINVALID, "%s: %d bad lines (listed above); nothing imported — fix them, or pass --skip-invalid to import the rest", name, cres.Bad)
		}
	}
	if rw != nil && err == nil {
		// Only a finished import replaces the rejects file: an interrupted one, run again, rejects the same
		// lines again.
		wrote := rw.f != nil
		if err = rw.commit(); err != nil {
			err = fmt.Errorf("write rejects: %w", err)
		} else if wrote {
			fmt.Fprintf(stderr, "%s: %d rejected lines written to %s\n", name, res.Rejected, filepath.Clean(rw.path))
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("%s: interrupted after %d new and %d duplicate events; run the same import again to finish it", name, res.New, res.Duplicate)
		}
		return fmt.Errorf("import %s: %w", name, err)
	}
	fmt.Fprintln(stdout, res.String())
	return nil
}

func spoolStdin(r io.Reader) (string, error) {
	tmp, err := os.CreateTemp("", "plaudit-stdin-*")
	if err != nil {
		return "", fmt.Errorf("spool stdin: %w", err)
	}
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", fmt.Errorf("spool stdin: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("spool stdin: %w", err)
	}
	return tmp.Name(), nil
}

// checkRejectsPath refuses a rejects path that names the input file or a file of the store (the database,
// its WAL, shared-memory or journal file, its migration lock): import replaces the rejects file, and must
// never replace what it was not asked to write. Paths are compared as files (os.SameFile) when both exist,
// else by their absolute paths with symbolic links in the folder resolved.
func checkRejectsPath(rejects, input string) error {
	if input != "-" && samePath(rejects, input) {
		return plaudit.Errorf(plaudit.EINVALID, "the rejects file %s is the input file %s: pass --rejects with another path", rejects, input)
	}
	dsn, _, err := storeDSN()
	if err != nil {
		return fmt.Errorf("check the rejects path: %w", err)
	}
	for _, f := range sqlstore.SQLiteFiles(dsn) {
		if samePath(rejects, f) {
			return plaudit.Errorf(plaudit.EINVALID, "the rejects file %s is a file of the store %s (%s): pass --rejects with another path", rejects, sqlstore.Redact(dsn), f)
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

// progress is a byte progress bar on standard error, shown only when standard error is a terminal, so that
// logs and pipes get no control characters.
type progress struct {
	mu  sync.Mutex
	bar *progressbar.ProgressBar
}

func newProgress(size int64, what string) *progress {
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

func (p *progress) set(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Set64(n)
	}
}

// above prints, with print, lines above the bar: the bar is cleared first and drawn again on its next
// update. print is called under the bar's lock, since checking and importing report from goroutines of
// their own.
func (p *progress) above(print func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Clear()
	}
	print()
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
