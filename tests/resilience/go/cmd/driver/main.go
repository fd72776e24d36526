// Command driver runs the resilience scenarios (tests/resilience/README.md)
// against the scenario runner of each language, with the fault server of the
// project, and prints the results as one table.
//
//	driver -faultserver BIN -runner rust=BIN -runner go=BIN \
//	       [-hosts FILE] [-summer-server BIN -summer-call rust=BIN ...] [-only WORD]
//
// With -hosts, each runner runs in its own mount namespace where FILE is
// /etc/hosts (unshare(1); root, or unprivileged user namespaces), which the
// DNS discovery scenario edits. It exits 1 when any scenario fails.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

// pairs is a repeatable name=value flag.
type pairs [][2]string

func (p *pairs) String() string { return fmt.Sprint(*p) }

func (p *pairs) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" || value == "" {
		return fmt.Errorf("want name=value, got %q", v)
	}
	*p = append(*p, [2]string{name, value})
	return nil
}

func main() {
	faultBin := flag.String("faultserver", "", "the fault server binary")
	hosts := flag.String("hosts", "", "a file the runners see as /etc/hosts; enables the DNS scenario")
	summerServer := flag.String("summer-server", "", "a summer server binary (LISTEN=host:port), for the example checks")
	only := flag.String("only", "", "run only the scenarios whose names contain this")
	var runners, summerCalls pairs
	flag.Var(&runners, "runner", "name=binary of a scenario runner (repeatable)")
	flag.Var(&summerCalls, "summer-call", "name=binary of a summer call example (repeatable)")
	flag.Parse()
	if *faultBin == "" || len(runners) == 0 {
		flag.Usage()
		os.Exit(2)
	}

	fault, err := startFaultServer(*faultBin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "driver:", err)
		os.Exit(1)
	}
	defer fault.stop()

	var langs []string
	results := map[string]map[string]outcome{} // scenario → language → outcome
	var order []string
	record := func(scenario, lang string, o outcome) {
		if results[scenario] == nil {
			results[scenario] = map[string]outcome{}
			order = append(order, scenario)
		}
		results[scenario][lang] = o
		status := "ok"
		if o.err != nil {
			status = "FAIL: " + o.err.Error()
		}
		fmt.Printf("   %-6s %-46s %s (%s)\n", lang, scenario, status, o.took.Round(time.Millisecond))
	}
	for _, r := range runners {
		lang, bin := r[0], r[1]
		langs = append(langs, lang)
		fmt.Printf("== resilience: %s runner (%s)\n", lang, bin)
		run, err := startRunner(lang, bin, *hosts)
		if err != nil {
			record("runner starts", lang, outcome{err: err})
			continue
		}
		for _, sc := range scenarios {
			if !strings.Contains(sc.name, *only) || (sc.needsHosts && *hosts == "") {
				continue
			}
			s := &session{fault: fault, runner: run, hosts: *hosts}
			start := time.Now()
			measure, err := sc.run(s)
			record(sc.name, lang, outcome{measure: measure, err: err, took: time.Since(start)})
		}
		run.stop()
	}
	if *summerServer != "" {
		for _, c := range summerCalls {
			if !contains(langs, c[0]) {
				langs = append(langs, c[0])
			}
		}
		for _, ex := range exampleChecks {
			if !strings.Contains(ex.name, *only) {
				continue
			}
			for _, c := range summerCalls {
				start := time.Now()
				measure, err := ex.run(*summerServer, c[1])
				record(ex.name, c[0], outcome{measure: measure, err: err, took: time.Since(start)})
			}
		}
	}
	if !printTable(langs, order, results) {
		os.Exit(1)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// outcome is one cell of the table.
type outcome struct {
	measure string
	err     error
	took    time.Duration
}

// printTable prints the results as one table (rows: scenarios, columns:
// languages) and the failures below it; it reports whether all passed.
func printTable(langs, order []string, results map[string]map[string]outcome) bool {
	fmt.Printf("\n== resilience scenarios: results\n\n| scenario |")
	for _, l := range langs {
		fmt.Printf(" %s |", l)
	}
	fmt.Printf("\n|---|")
	for range langs {
		fmt.Printf("---|")
	}
	fmt.Println()
	var failures []string
	for _, name := range order {
		fmt.Printf("| %s |", name)
		for _, l := range langs {
			o, ok := results[name][l]
			switch {
			case !ok:
				fmt.Printf(" n/a |")
			case o.err != nil:
				fmt.Printf(" **FAIL** |")
				failures = append(failures, fmt.Sprintf("%s / %s: %v", name, l, o.err))
			default:
				fmt.Printf(" ok: %s |", o.measure)
			}
		}
		fmt.Println()
	}
	fmt.Println()
	for _, f := range failures {
		fmt.Println("FAIL", f)
	}
	if len(failures) > 0 {
		return false
	}
	fmt.Printf("== resilience: all %d scenarios passed in every language\n", len(order))
	return true
}
