// goleak: a Go service that leaks memory at a steady rate and serves its own
// heap profile through net/http/pprof, the way Go services usually expose it.
//
//	goleak [-pprof-port 6060] [-pprof-host ""] [-plain-port 6059]
//	       [-rate 4] [-max 64]
//
// Two HTTP servers run: net/http/pprof's handlers on -pprof-port (all
// addresses by default: one dual-stack socket, listed in /proc/net/tcp6), and a
// plain server on 127.0.0.1:-plain-port that answers "hello" on / and 404 on
// everything else. The plain port must be numerically lower, so that a reader
// which takes the first listening port it finds gets a 404 instead of the
// profile. The leak grows by -rate MiB/s in leakSessionBuffers up to -max MiB
// and is then held until the process is killed.
//
// Build (stdlib only, no module, no network):
//
//	cd tests/apps/goleak && GO111MODULE=off GOCACHE=/tmp/goleak-cache go build -o BIN main.go
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
	"runtime"
	"strconv"
	"time"
)

const mib = 1 << 20

// sessions holds every leaked buffer, so none is ever garbage.
var sessions [][]byte

// leakSessionBuffers allocates rateMiB MiB per second in ten steps a second
// until maxMiB MiB are held, writing one byte per 4 KiB page of each buffer
// so that the pages are resident (counted by the memory cgroup), not merely
// reserved.
func leakSessionBuffers(rateMiB, maxMiB int) {
	step := rateMiB * mib / 10
	if step < 4096 {
		step = 4096
	}
	held, reported := 0, 0
	for held < maxMiB*mib {
		n := step
		if held+n > maxMiB*mib {
			n = maxMiB*mib - held
		}
		buf := make([]byte, n)
		for i := 0; i < n; i += 4096 {
			buf[i] = 1
		}
		sessions = append(sessions, buf)
		held += n
		for held-reported >= 16*mib {
			reported += 16 * mib
			fmt.Printf("goleak: leaked %d MiB\n", reported/mib)
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("goleak: holding %d MiB\n", held/mib)
}

func servePlain(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "hello")
	})
	fmt.Fprintln(os.Stderr, "goleak: plain server:", http.Serve(ln, mux))
	os.Exit(1)
}

func main() {
	// One sample per 4 KiB allocated on average, instead of the default one
	// per 512 KiB: a small app allocates few bytes in total, and at the
	// default rate its profile would hold a handful of samples, too few for
	// the leaking function to stand out reliably. Set before any allocation
	// worth profiling, as the runtime's documentation asks.
	runtime.MemProfileRate = 4096

	pprofPort := flag.Int("pprof-port", 6060, "port of net/http/pprof")
	pprofHost := flag.String("pprof-host", "", "address of net/http/pprof (empty: all)")
	plainPort := flag.Int("plain-port", 6059, "port of the plain server (below -pprof-port)")
	rate := flag.Int("rate", 4, "leak rate, MiB per second")
	max := flag.Int("max", 64, "leak up to this many MiB, then hold")
	flag.Parse()
	if *plainPort <= 0 || *plainPort >= *pprofPort || *pprofPort > 65535 || *rate <= 0 ||
		*max < 0 {
		fmt.Fprintln(os.Stderr, "goleak: need 0 < -plain-port < -pprof-port <= 65535, -rate > 0, -max >= 0")
		os.Exit(2)
	}

	// Both sockets exist before the start line, so a reader that waits for
	// it finds them listening.
	pln, err := net.Listen("tcp", net.JoinHostPort(*pprofHost, strconv.Itoa(*pprofPort)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "goleak:", err)
		os.Exit(1)
	}
	lln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*plainPort)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "goleak:", err)
		os.Exit(1)
	}
	go servePlain(lln)
	go func() {
		fmt.Fprintln(os.Stderr, "goleak: pprof server:", http.Serve(pln, nil))
		os.Exit(1)
	}()

	fmt.Printf("goleak: started pid=%d pprof=%s plain=%s\n", os.Getpid(), pln.Addr(),
		lln.Addr())
	leakSessionBuffers(*rate, *max)
	select {}
}
