package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/ingest"
	"github.com/plaudit/plaudit/service"
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
	f, err := service.ImportFormat(fl.format, path)
	if err != nil {
		return err
	}
	rpath := ""
	if fl.skipInvalid {
		rpath = fl.rejects
		if rpath == "" {
			rpath = service.DefaultRejectsPath(path)
		}
		// The rejects file is replaced at the end: refuse, before anything is read or opened, a path that
		// names the input or the store.
		dsn, _, err := storeDSN()
		if err != nil {
			return fmt.Errorf("check the rejects path: %w", err)
		}
		if err := service.CheckRejectsPath(rpath, path, sqlstore.Redact(dsn), sqlstore.SQLiteFiles(dsn)); err != nil {
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
	// Opened here only for its size and to refuse a missing file before the store is opened; the service
	// opens it again to import it.
	in, err := os.Open(path)
	if err != nil {
		return plaudit.Errorf(plaudit.EINVALID, "open %s: %v", name, errors.Unwrap(err))
	}
	st, err := in.Stat()
	in.Close()
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

	bar := newProgress(st.Size(), "importing")
	res, err := newService(store).ImportFile(ctx, service.ImportRequest{Path: path, Name: name, Format: f, Batch: fl.batch,
		CommitEvery: fl.commitEvery, SkipInvalid: fl.skipInvalid, Rejects: rpath, Progress: bar.set,
		OnBad: func(fe *plaudit.FieldError) {
			bar.above(func() { fmt.Fprintf(stderr, "%s: %s\n", name, fe) })
		}})
	bar.finish()
	if res != nil && res.Refused {
		fmt.Fprintln(stdout, res.String())
		return err
	}
	if err != nil {
		return err
	}
	if res.RejectsWritten {
		fmt.Fprintf(stderr, "%s: %d rejected lines written to %s\n", name, res.Rejected, filepath.Clean(rpath))
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

// progress is a byte progress bar on standard error, shown only when standard error is a terminal, so that
// logs and pipes get no control characters.
type progress struct {
	mu   sync.Mutex
	bar  *progressbar.ProgressBar
	done bool // finished: the bar is gone, and lines are printed as they come
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
	if p.bar != nil && !p.done {
		p.bar.Clear()
	}
	print()
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
	}
	p.done = true
}
