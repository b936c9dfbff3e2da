//go:build !wasm

package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// goAppFiles are the files app.Handler generates.
var goAppFiles = []string{"/app.js", "/app-worker.js", "/wasm_exec.js", "/manifest.webmanifest", "/app.css"}

// appJSPatches change go-app's app.js (the page's loader script):
//
//   - An embed (a page with an element [data-embed]: /embed/...) stays
//     light until it is used. It registers no service worker, which would
//     pre-cache the whole app (tens of megabytes) for a reader of a blog
//     post, and it loads app.wasm only when the reader presses play, or,
//     with autoplay=1, once the frame is on screen and the tab in the
//     foreground. Until then the reader sees the page as the server
//     rendered it: a still preview. Every other page starts at once.
//   - A service worker that cannot be registered (a third-party frame whose
//     storage the browser partitions or blocks, a private window) is not an
//     error: the app works online. It is said quietly.
var appJSPatches = [][2]string{
	{
		"goappInitServiceWorker();\ngoappWatchForUpdate();\ngoappWatchForInstallable();\ngoappInitWebAssembly();\n",
		"goappWatchForUpdate();\ngoappWatchForInstallable();\ntinystagesStart();\n",
	},
	{
		`console.error("goapp service worker registration failed: ", err);`,
		`tinystagesNoServiceWorker(err);`,
	},
}

// appJSTail is added to app.js: the functions the patches call.
const appJSTail = `
// -----------------------------------------------------------------------------
// tinystages
// -----------------------------------------------------------------------------
function tinystagesStart() {
  const embed = document.querySelector("[data-embed]");
  if (!embed) {
    goappInitServiceWorker();
    goappInitWebAssembly();
    return;
  }
  let started = false;
  let onScreen = false;
  const start = () => {
    if (started) return;
    started = true;
    embed.classList.remove("embed-idle");
    goappInitWebAssembly();
  };
  embed.addEventListener("click", (e) => {
    if (e.target.closest("[data-play]")) {
      window.tinystagesPlay = true;
      start();
    }
  });
  if (embed.dataset.autoplay !== "1") return;
  const maybe = () => {
    if (onScreen && document.visibilityState === "visible") start();
  };
  if (!("IntersectionObserver" in window)) {
    onScreen = true;
    maybe();
    return;
  }
  new IntersectionObserver((entries) => {
    onScreen = entries[entries.length - 1].isIntersecting;
    maybe();
  }).observe(embed);
  document.addEventListener("visibilitychange", maybe);
}

function tinystagesNoServiceWorker(err) {
  const msg = "tinystages works without offline support here: ";
  if (window.self !== window.top) console.info(msg, err);
  else console.warn(msg, err);
}
`

// patchAppJS applies appJSPatches to go-app's app.js.
func patchAppJS(js string) (string, error) {
	for _, p := range appJSPatches {
		if !strings.Contains(js, p[0]) {
			return "", fmt.Errorf("server: go-app's app.js changed; update appJSPatches (%q not found)", p[0])
		}
		js = strings.Replace(js, p[0], p[1], 1)
	}
	return js + appJSTail, nil
}

// goAppAssets renders go-app's generated files once, patches app.js, and
// makes them assets like the files under /web/: minified, compressed, with
// an ETag of their content (go-app's own handler sends them uncompressed).
func (s *Server) goAppAssets() (map[string]*asset, error) {
	out := map[string]*asset{}
	now := time.Now()
	for _, p := range goAppFiles {
		w := httptest.NewRecorder()
		s.app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p, nil))
		if w.Code != http.StatusOK {
			return nil, fmt.Errorf("server: go-app's %s: status %d", p, w.Code)
		}
		body := w.Body.String()
		if p == "/app.js" {
			var err error
			if body, err = patchAppJS(body); err != nil {
				return nil, err
			}
		}
		a, err := s.static.newAsset(p[1:], []byte(body), "", now)
		if err != nil {
			return nil, err
		}
		out[p] = a
	}
	if out["/app-worker.js"] == nil {
		return nil, errors.New("server: no service worker")
	}
	return out, nil
}
