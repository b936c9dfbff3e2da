package e2e

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"tinystages/model/checkpoint"
)

// downloads makes the browser save downloads in dir, named by their GUID,
// and returns a function that waits for the next completed download and
// returns its bytes.
func downloads(t *testing.T, ctx context.Context) func(what string) []byte {
	t.Helper()
	dir := t.TempDir()
	on := true
	if _, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &on,
	}); err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 8)
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && e.State == cdpbrowser.DownloadProgressStateCompleted {
			select {
			case done <- e.GUID:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	return func(what string) []byte {
		t.Helper()
		select {
		case guid := <-done:
			data, err := os.ReadFile(filepath.Join(dir, guid))
			if err != nil {
				t.Fatal(err)
			}
			return data
		case <-time.After(time.Minute):
			t.Fatalf("no download of %s", what)
		}
		return nil
	}
}

// TestModelRoundTrip trains a short run, samples from its model at a
// fixed seed, downloads the model, resets, uploads the file: the imported
// model gives the same sample and downloads as the same bytes. A file that
// is not a bundle is refused with a message that names the problem, and
// leaves the model as it was. The run's record downloads too, and the
// imported model trains further.
func TestModelRoundTrip(t *testing.T) {
	dir := site(t)
	ts := serve(t, dir)
	ctx, consoleErrors := browser(t, 4*time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/pretraining?preset=nano&steps=12&backend=cpu&seed=5&autoplay=1")); err != nil {
		t.Fatal(err)
	}
	// autoplay=1: the run starts by itself.
	waitFor(t, ctx, "the run to finish", `document.querySelector('[data-testid="status"]').textContent === "done"`, 3*time.Minute)
	trained := number(t, ctx, "loss")
	next := downloads(t, ctx)

	sample := func() string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(document.querySelector('[data-testid="model-sample-text"]') || {}).remove?.()`),
			chromedp.WaitEnabled(testid("model-sample")), chromedp.Click(testid("model-sample")), chromedp.WaitVisible(testid("model-sample-text"))); err != nil {
			t.Fatal(err)
		}
		return text(t, ctx, "model-sample-text")
	}
	before := sample()
	if !strings.HasPrefix(before, "The") {
		t.Errorf("sample %q", before)
	}
	if err := chromedp.Do(ctx, chromedp.Click(testid("export-model"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the export", `!document.querySelector('[data-testid="model-busy"]')`, time.Minute)
	if e := text(t, ctx, "model-error"); e != "" {
		t.Fatalf("export: %s", e)
	}
	bundle := next("the model")
	ck, err := checkpoint.ReadBundle(bundle)
	if err != nil {
		t.Fatalf("the downloaded model: %v", err)
	}
	t.Logf("downloaded a %d-byte bundle: %s, %d parameters, step %d", len(bundle), ck.Info.Name, ck.Config.NumParams(), ck.Info.Steps)
	if ck.Info.Steps != 12 || ck.Info.Preset != "nano" {
		t.Errorf("bundle info %+v", ck.Info)
	}
	zip := filepath.Join(t.TempDir(), "my-model.zip")
	os.WriteFile(zip, bundle, 0o644)

	// The record of the run.
	for _, b := range []struct{ id, want string }{
		{"download-settings", `"steps": 12`}, {"download-metrics", "step,loss,val_loss"}, {"download-report", "# tinystages report card"},
	} {
		if err := chromedp.Do(ctx, chromedp.Click(testid(b.id))); err != nil {
			t.Fatal(err)
		}
		if got := next(b.id); !bytes.Contains(got, []byte(b.want)) {
			t.Errorf("%s: %q lacks %q", b.id, got, b.want)
		}
	}

	// Reset, then import the file.
	if err := chromedp.Do(ctx, chromedp.Click(testid("reset"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the idle state", `document.querySelector('[data-testid="status"]').textContent === "idle"`, 30*time.Second)
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(testid("import-model"), []string{zip})); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the imported model", `(document.querySelector('[data-testid="model-info"]') || {}).textContent.startsWith("Imported model")`, time.Minute)
	t.Logf("%s", text(t, ctx, "model-info"))
	if after := sample(); after != before {
		t.Errorf("sample at the same seed: %q from the trained model, %q from the imported one", before, after)
	}
	if err := chromedp.Do(ctx, chromedp.Click(testid("export-model"))); err != nil {
		t.Fatal(err)
	}
	if again := next("the imported model"); !bytes.Equal(again, bundle) {
		t.Errorf("the imported model downloads as %d other bytes (first download: %d)", len(again), len(bundle))
	}

	// A file that is not a bundle: refused, named, and nothing changes.
	bad := filepath.Join(t.TempDir(), "notes.zip")
	os.WriteFile(bad, []byte("these are my notes, not a model"), 0o644)
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(testid("import-model"), []string{bad}), chromedp.WaitVisible(testid("model-error"))); err != nil {
		t.Fatal(err)
	}
	msg := text(t, ctx, "model-error")
	if !strings.Contains(msg, "notes.zip") || !strings.Contains(msg, "not a zip archive") {
		t.Errorf("error %q does not name the file and the problem", msg)
	}
	if info := text(t, ctx, "model-info"); !strings.HasPrefix(info, "Imported model") || !strings.Contains(info, "12 steps") {
		t.Errorf("after a refused import the model is %q", info)
	}
	if after := sample(); after != before {
		t.Errorf("a refused import changed the model's sample to %q", after)
	}

	// Train the imported model further: the new run's first loss is
	// where the exported run ended, far below a fresh model's (about
	// ln 1024 = 6.93 for the shipped tokenizer).
	if err := chromedp.Do(ctx, chromedp.Click(testid("train-imported"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the first step from the imported model", stepExpr+` >= 1`, time.Minute)
	further := number(t, ctx, "loss")
	t.Logf("training loss: %.3f after the 12 exported steps, %.3f at the first step from the imported model", trained, further)
	if !(further < math.Log(1024)-0.5) || !(further < trained+0.5) {
		t.Errorf("the run from the imported model starts at loss %.3f: want it near the exported run's %.3f, not a fresh model's", further, trained)
	}
	checkClean(t, ctx, consoleErrors)
}
