package portal_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plaudit/plaudit/internal/testenv"
)

// browser starts headless Chromium for t (skipping, or failing in CI, when it is not installed) and returns
// a chromedp context.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("PLAUDIT_CHROMIUM")
	if path == "" {
		for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if found, err := exec.LookPath(p); err == nil {
				path = found
				break
			}
		}
	}
	if path == "" {
		testenv.Missing(t, "no Chromium to drive (apt-get install chromium, or set PLAUDIT_CHROMIUM)")
		return nil
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.WindowSize(1024, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// screenshot writes the whole page as PNG name into PLAUDIT_SCREENSHOTS (docs/portal to refresh the
// documentation's pictures) or the test's temporary folder, and returns the path.
func screenshot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	dir := os.Getenv("PLAUDIT_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join(testenv.RepoRoot(t), dir)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot %s is not a PNG", name)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", p, len(png))
	return p
}

// TestBrowserMemberClaim drives headless Chromium: a member signs in with their key on /claim, sees their
// payout and its Permit2 claim with the status the (fake) chain gives, opens "claim all", and anyone opens
// the public epoch page. Each page is screenshotted.
func TestBrowserMemberClaim(t *testing.T) {
	f := newFixture(t, "")
	ctx := browser(t)
	var text string
	var err error
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.url+"/claim"),
		chromedp.WaitVisible(chromedp.ID("key")),
	); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "signin.png")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("key"), f.memberKey),
		chromedp.Submit(chromedp.ID("key")),
		chromedp.WaitVisible(chromedp.CSS(`section.epoch`)),
	); err != nil {
		t.Fatal(err)
	}
	if text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`))); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Rewards of " + f.member, "Claim status: claimable", "Payout to " + f.wallet.String(), "Claim all"} {
		if !strings.Contains(text, want) {
			t.Fatalf("member page in the browser lacks %q:\n%s", want, text)
		}
	}
	screenshot(t, ctx, "member.png")

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a.button`)),
		chromedp.WaitVisible(chromedp.ID("batch")),
	); err != nil {
		t.Fatal(err)
	}
	if text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`))); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, "Claim all") {
		t.Fatalf("claim all page: %q", text)
	}
	screenshot(t, ctx, "claim-all.png")

	eps, err := f.svc.PortalEpochs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.url+"/epochs/"+url.PathEscape(eps[0].ID)),
		chromedp.WaitVisible(chromedp.CSS(`table`)),
	); err != nil {
		t.Fatal(err)
	}
	if text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, eps[0].Root) || !strings.Contains(text, "plaudit verify") {
		t.Fatalf("epoch page lacks the root or the verify command:\n%s", text)
	}
	screenshot(t, ctx, "epoch.png")

	// A phone-sized window: the member page still reads.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(f.url+"/m/"+url.PathEscape(f.member)),
		chromedp.WaitVisible(chromedp.CSS(`section.epoch`)),
	); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "member-phone.png")
}
