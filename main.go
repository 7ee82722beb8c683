// Command shequ runs a city's urban communities: the register of people, the daily
// work, the money and the planning. See README.md.
package main

import (
	"os"

	"shequ/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
