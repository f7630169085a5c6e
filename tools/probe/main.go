// probe: a tiny static HTTP client that runs inside a host's network, so that a
// node can talk to the cluster's Consul (PUT included, which busybox wget cannot do)
// without opening Consul to the controller. Used by overlayctl's swarm step.
//
//	probe http METHOD URL        body from $PROBE_BODY (if set), response body to stdout
//
// Exit codes: 0 on a 2xx answer, 3 on another status (body on stderr), 4 on a network error.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) != 4 || os.Args[1] != "http" {
		fmt.Fprintln(os.Stderr, "usage: probe http METHOD URL   (body from $PROBE_BODY)")
		os.Exit(2)
	}
	method, url := strings.ToUpper(os.Args[2]), os.Args[3]
	var body io.Reader
	if v, ok := os.LookupEnv("PROBE_BODY"); ok {
		body = strings.NewReader(v)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(2)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(4)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fmt.Fprintf(os.Stderr, "probe: %s %s: %s: %s\n", method, url, resp.Status, data)
		os.Exit(3)
	}
	os.Stdout.Write(data)
}
