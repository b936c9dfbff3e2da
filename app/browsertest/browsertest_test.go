package browsertest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebGPUAdapter checks that the test browser exposes WebGPU to a page
// served from loopback (a secure context), as the kernel tests need.
func TestWebGPUAdapter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><title>gpu</title>"))
	}))
	defer srv.Close()
	ctx := New(t, 60*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	arch, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
			if (!navigator.gpu) return "no navigator.gpu";
			const a = await navigator.gpu.requestAdapter();
			if (!a) return "no adapter";
			return "adapter:" + (a.info ? a.info.architecture + "/" + a.info.vendor : "?");
		})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("WebGPU: %s", arch)
	if !strings.HasPrefix(arch, "adapter:") {
		t.Fatalf("WebGPU unavailable in the test browser: %s", arch)
	}
}
