package e2e

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"
)

// mainThreadCPU returns the page's main-thread CPU time in tasks and in
// script so far, in seconds: Chrome's Performance metrics in thread time,
// which unlike a task's wall time do not grow when the machine is busy
// with other processes.
func mainThreadCPU(ctx context.Context) (task, script float64, err error) {
	if _, err := chromedp.Call(ctx, performance.Enable, performance.EnableParams{TimeDomain: performance.EnableTimeDomainThreadTicks}); err != nil {
		return 0, 0, err
	}
	res, err := chromedp.Call(ctx, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		return 0, 0, err
	}
	for _, m := range res.Metrics {
		switch m.Name {
		case "TaskDuration":
			task = m.Value
		case "ScriptDuration":
			script = m.Value
		}
	}
	return task, script, nil
}

// overloaded reports whether the machine runs more than 1.5 runnable
// threads per CPU (the 1-minute load average), and the load.
func overloaded() (bool, float64) {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return false, 0
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return false, 0
	}
	load, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return false, 0
	}
	return load > 1.5*float64(runtime.NumCPU()), load
}
