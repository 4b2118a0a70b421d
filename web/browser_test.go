package web

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/service"
)

// chromiumPath is Debian's headless-capable Chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// browserSession is one headless Chromium driving the fixture's panel, with a directory for downloads and
// one for screenshots.
type browserSession struct {
	t         *testing.T
	ctx       context.Context
	f         *fixture
	downloads string
	shots     string
}

type steps = chromedp.Action[chromedp.Void]

func newBrowser(t *testing.T, f *fixture) *browserSession {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		testenv.Missing(t, "no Chromium at %s (apt-get install chromium): %v", chromiumPath, err)
	}
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts, chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &browserSession{t: t, ctx: ctx, f: f, downloads: t.TempDir(), shots: os.Getenv("PLAUDIT_SCREENSHOTS")}
	if b.shots == "" {
		b.shots = t.TempDir()
	} else if err := os.MkdirAll(b.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: b.downloads, EventsEnabled: new(true)})
		return err
	})); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return b
}

// timed is the browser's context limited to a minute: for one step.
func (b *browserSession) timed() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, time.Minute)
}

// run runs actions, failing the test with what was being done.
func (b *browserSession) run(what string, actions ...steps) {
	b.t.Helper()
	ctx, cancel := b.timed()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// screenshot writes the whole page as NAME.png.
func (b *browserSession) screenshot(name string) { b.shoot(name, chromedp.FullScreenshot(100)) }

// shoot writes what capture takes (the whole page, or the viewport for very long pages) as NAME.png.
func (b *browserSession) shoot(name string, capture chromedp.Action[[]byte]) {
	b.t.Helper()
	ctx, cancel := b.timed()
	defer cancel()
	png, err := chromedp.Run(ctx, capture)
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// text returns the visible text of the first element the CSS selector sel matches.
func (b *browserSession) text(sel string) string {
	b.t.Helper()
	ctx, cancel := b.timed()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// count returns how many elements the CSS selector sel matches.
func (b *browserSession) count(sel string) int {
	b.t.Helper()
	ctx, cancel := b.timed()
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		b.t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// class returns the class attribute of the element sel matches.
func (b *browserSession) class(sel string) string {
	b.t.Helper()
	ctx, cancel := b.timed()
	defer cancel()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), "class"))
	if err != nil {
		b.t.Fatalf("class of %s: %v", sel, err)
	}
	return a.Value
}

// download clicks the link sel and returns the file the browser saved.
func (b *browserSession) download(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	for ev, err := range progress {
		if err != nil {
			b.t.Fatalf("download %s: %v", sel, err)
		}
		if ev.State != browser.DownloadProgressStateCompleted {
			continue
		}
		data, err := os.ReadFile(filepath.Join(b.downloads, ev.GUID))
		if err != nil {
			b.t.Fatal(err)
		}
		return string(data)
	}
	b.t.Fatalf("download of %s did not finish", sel)
	return ""
}

// TestBrowser drives the panel in headless Chromium through every acceptance item: sign in, read the
// leaderboard and export its CSV, submit an invalid rule and see the error at its line, preview and publish
// a valid one, trigger a job and see it in the history, close an epoch and download its CSV and proofs,
// confirm a flag and open a member's explanation. Each step writes a screenshot of its page
// (PLAUDIT_SCREENSHOTS=DIR keeps them; docs/panel/ holds the ones in docs/panel.md).
func TestBrowser(t *testing.T) {
	f := newFixture(t, "", true)
	b := newBrowser(t, f)
	ctx := context.Background()

	t.Run("login", func(t *testing.T) {
		b.t = t
		b.run("sign-in page", chromedp.Navigate(f.url+"/admin/leaderboard"), chromedp.WaitVisible(chromedp.ID("username")))
		b.screenshot("login")
		b.run("sign in", chromedp.SendKeys(chromedp.CSS("#username"), "ada"), chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
			chromedp.Click(chromedp.CSS(`button[type="submit"]`)), chromedp.WaitVisible(chromedp.ID("board-table")))
		b.run("overview", chromedp.Navigate(f.url+"/admin/"), chromedp.WaitVisible(chromedp.ID("members")))
		if got := b.text("#members"); got != "40" && !strings.HasPrefix(got, "4") {
			t.Errorf("connected members %q", got)
		}
		if b.count("svg.chart polyline") == 0 {
			t.Error("the overview has no chart lines")
		}
		b.screenshot("overview")
		b.run("phone", chromedp.EmulateViewport(390, 844))
		b.screenshot("overview-phone")
		b.run("desktop", chromedp.EmulateViewport(1280, 900))
	})

	t.Run("leaderboard", func(t *testing.T) {
		b.t = t
		b.run("leaderboard", chromedp.Navigate(f.url+"/admin/leaderboard"), chromedp.WaitVisible(chromedp.ID("board-table")))
		first := b.text("#board-table tbody tr:first-child td:nth-child(2)")
		if first == "" {
			t.Fatal("the leaderboard has no first row")
		}
		b.screenshot("leaderboard")
		csv := b.download("#csv")
		lines := strings.Split(strings.TrimSpace(csv), "\n")
		if len(lines) < 10 || lines[0] != "rank,member,tier,points,raw_points,scores,verdict,paid,wallet" || !strings.HasPrefix(lines[1], "1,"+first+",") {
			t.Fatalf("leaderboard CSV:\n%.500s\nwant a header and %s first", csv, first)
		}
	})

	t.Run("rules", func(t *testing.T) {
		b.t = t
		good := fixturePolicy(t)
		const was, bad, better = "    weight: 0.2\n", "    weight: lots\n", "    weight: 0.5\n"
		i := strings.Index(good, was)
		if i < 0 {
			t.Fatal("the fixture policy has no weight to edit")
		}
		line := strings.Count(good[:i], "\n") + 1
		b.run("rules", chromedp.Navigate(f.url+"/admin/rules"), chromedp.WaitVisible(chromedp.ID("policy")),
			chromedp.SetValue(chromedp.CSS("#policy"), strings.Replace(good, was, bad, 1)),
			chromedp.Click(chromedp.CSS("#preview-button")), chromedp.WaitVisible(chromedp.ID("policy-errors")))
		sel := fmt.Sprintf("#line-%d", line)
		class := b.class(sel)
		if msg := b.text(sel); class != "bad" || !strings.Contains(msg, fmt.Sprintf("line %d", line)) || !strings.Contains(msg, "weight") {
			t.Fatalf("line %d: class %q, text %q; want the error at it", line, class, msg)
		}
		b.run("scroll to the error", chromedp.ScrollIntoView(chromedp.CSS(sel)))
		b.screenshot("rules-error")

		before := f.activeHash()
		b.run("preview", chromedp.SetValue(chromedp.CSS("#policy"), strings.Replace(good, was, better, 1)),
			chromedp.Click(chromedp.CSS("#preview-button")), chromedp.WaitVisible(chromedp.ID("preview")))
		if b.count("#preview td.gain") == 0 {
			t.Error("a higher cast weight shows nobody gaining")
		}
		b.screenshot("rules-preview")
		b.run("publish", chromedp.Click(chromedp.CSS("#publish")), chromedp.WaitVisible(chromedp.CSS(".flash")))
		if msg := b.text(".flash"); !strings.Contains(msg, "Published policy") || f.activeHash() == before {
			t.Fatalf("after publish: %q, active %s (was %s)", msg, f.activeHash(), before)
		}
		b.screenshot("rules-published")
	})

	t.Run("jobs", func(t *testing.T) {
		b.t = t
		b.run("trigger", chromedp.Navigate(f.url+"/admin/jobs"), chromedp.WaitVisible(chromedp.ID("trigger")),
			chromedp.SetValue(chromedp.CSS("#kind"), "rescore"), chromedp.Click(chromedp.CSS("#trigger")),
			chromedp.WaitVisible(chromedp.CSS(".flash")))
		msg := b.text(".flash")
		if !strings.Contains(msg, "rescore") || !(strings.Contains(msg, "queued") || strings.Contains(msg, "already running")) {
			t.Fatalf("trigger said %q", msg)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			b.run("history", chromedp.Navigate(f.url+"/admin/jobs"), chromedp.WaitVisible(chromedp.ID("job-history")))
			hist := b.text("#job-history")
			if strings.Contains(hist, "rescore") && strings.Contains(hist, "succeeded") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the rescore job did not succeed in the history:\n%s", hist)
			}
			time.Sleep(500 * time.Millisecond)
		}
		b.screenshot("jobs")
	})

	t.Run("epochs", func(t *testing.T) {
		b.t = t
		b.run("close", chromedp.Navigate(f.url+"/admin/epochs"), chromedp.WaitVisible(chromedp.ID("close-all")),
			chromedp.Click(chromedp.CSS("#close-all")), chromedp.WaitVisible(chromedp.CSS(".flash")))
		if msg := b.text(".flash"); !strings.Contains(msg, "Closed acme@2026-01-05") {
			t.Fatalf("close said %q", msg)
		}
		eps, err := f.svc.Epochs(ctx, "")
		if err != nil || len(eps) != 2 {
			t.Fatalf("epochs after closing: %d, %v", len(eps), err)
		}
		b.screenshot("epochs")
		b.run("epoch", chromedp.Click(chromedp.CSS(`#epochs tbody tr:last-child a`)), chromedp.WaitVisible(chromedp.ID("root")))
		root := b.text("#root")
		if root != eps[0].Root && root != eps[1].Root {
			t.Fatalf("root %q is neither epoch's", root)
		}
		csv := b.download("#dl-export-csv")
		if !strings.Contains(csv, "member") || strings.Count(csv, "\n") < 5 {
			t.Fatalf("epoch CSV:\n%.500s", csv)
		}
		proofs := b.download("#dl-proofs-json")
		if !strings.Contains(proofs, "proof") || !strings.Contains(proofs, "0x") {
			t.Fatalf("proofs:\n%.500s", proofs)
		}
		b.run("verify", chromedp.Click(chromedp.CSS(`a[href$="/verify"]`)), chromedp.WaitVisible(chromedp.ID("verify")))
		if v := b.text("#verify"); !strings.HasPrefix(v, "Verified") {
			t.Fatalf("verify said %q", v)
		}
		b.screenshot("epoch")
	})

	t.Run("flag", func(t *testing.T) {
		b.t = t
		id := fmt.Sprintf("%d", f.flag)
		b.run("integrity", chromedp.Navigate(f.url+"/admin/integrity"), chromedp.WaitVisible(chromedp.CSS("#flag-"+id)))
		b.screenshot("integrity")
		b.run("confirm", chromedp.SendKeys(chromedp.CSS("#note-"+id), "second account confirmed"),
			chromedp.Click(chromedp.CSS("#confirm-"+id)), chromedp.WaitVisible(chromedp.CSS(".flash")))
		if msg := b.text(".flash"); !strings.Contains(msg, "Flag "+id+" confirmed") {
			t.Fatalf("confirm said %q", msg)
		}
		fl, err := f.svc.Flag(ctx, f.flag)
		if err != nil || fl.Flag.Status != "confirmed" {
			t.Fatalf("flag after confirming: %+v, %v", fl, err)
		}
		b.screenshot("integrity-confirmed")
	})

	t.Run("member", func(t *testing.T) {
		b.t = t
		board, err := f.svc.Leaderboard(ctx, leaderboardTop())
		if err != nil || len(board.Entries) == 0 {
			t.Fatalf("leaderboard: %v", err)
		}
		h := board.Entries[0].Member
		b.run("members", chromedp.Navigate(f.url+"/admin/members?q="+h), chromedp.WaitVisible(chromedp.ID("members")),
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`#members a[href="/admin/members/%s"]`, h))),
			chromedp.WaitVisible(chromedp.ID("explanation")))
		rows := b.text("#explanation")
		if !strings.Contains(rows, "→") {
			t.Fatalf("the explanation shows no rule → points:\n%.500s", rows)
		}
		if rules := b.text("#by-rule"); rules == "" {
			t.Fatal("no points by rule")
		}
		// A member's page is long (every score explained): the screenshot is the window at the table.
		b.run("scroll", chromedp.ScrollIntoView(chromedp.CSS("#by-rule")))
		b.shoot("member", chromedp.CaptureScreenshot())
	})

	t.Run("invalidate", func(t *testing.T) {
		b.t = t
		key, pts := invalidationTarget(t, f, time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 19, 0, 0, 0, 0, time.UTC))
		src, id, _ := strings.Cut(key, "/")
		board := func() map[string]plaudit.Points {
			lb, err := f.svc.Leaderboard(ctx, service.LeaderboardRequest{})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]plaudit.Points{}
			for _, e := range lb.Entries {
				out[e.Member] = e.Raw
			}
			return out
		}
		before := board()
		b.run("events", chromedp.Navigate(f.url+"/admin/events?source="+src), chromedp.WaitVisible(chromedp.CSS("table")))
		b.run("open the effect of "+key, chromedp.Navigate(f.url+"/admin/events/invalidate?event="+url.QueryEscape(src+"/"+id)),
			chromedp.WaitVisible(chromedp.ID("reason")))
		if got := b.text("#preview #total"); got != pts.String() {
			t.Fatalf("preview of %s: %q points, want %s", key, got, pts)
		}
		b.screenshot("invalidate-preview")
		b.run("invalidate", chromedp.SendKeys(chromedp.CSS("#reason"), "the likes were bought"),
			chromedp.Click(chromedp.CSS("#invalidate")), chromedp.WaitVisible(chromedp.ID("done")))
		if got, after := b.text("#before #total"), b.text("#after #total"); got != pts.String() || after != "0" {
			t.Fatalf("invalidated %s: before %q after %q, want %s then 0", key, got, after, pts)
		}
		b.screenshot("invalidate-done")
		after := board()
		res, err := f.svc.InvalidationPreview(ctx, key)
		if err != nil || res.Invalidated == nil {
			t.Fatalf("not invalidated: %+v %v", res, err)
		}
		dropped := plaudit.Points(0)
		for m, p := range before {
			dropped += p - after[m]
		}
		if dropped != pts {
			t.Fatalf("the leaderboard dropped %s points, want %s", dropped, pts)
		}
	})
}
