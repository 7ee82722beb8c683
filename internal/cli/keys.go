package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"shequ/internal/keys"
	"shequ/internal/platform/crypt"
)

// keysCmd runs `shequ keys rotate`: every ID number, phone and TOTP secret re-sealed
// under a new key, in one transaction.
func (e *env) keysCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		return usageError{"want: shequ keys rotate --new-key-file FILE [--db DB] [--key-file FILE]"}
	}
	fs := e.flags("keys rotate")
	dsn := e.dbFlag(fs)
	newFile := fs.String("new-key-file", "", "file of the new key; created, readable by its owner only, if it does not exist")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *newFile == "" {
		return usageError{"--new-key-file is required"}
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	master, created, err := newKey(*newFile)
	if err != nil {
		return err
	}
	next, err := crypt.NewSoftware(master)
	if err != nil {
		return err
	}
	n, err := keys.Rotate(ctx, d, next)
	if err != nil {
		if created {
			os.Remove(*newFile) // nothing was sealed with it
		}
		return err
	}
	fmt.Fprintf(e.stdout, "re-sealed the ID numbers and phones of %d residents and %d workers and the TOTP secrets of %d users with the key in %s (fingerprint %s)\n",
		n.Residents, n.Workers, n.Users, *newFile, next.Fingerprint())
	fmt.Fprintf(e.stdout, "from now on start shequ with --key-file %s (or SHEQU_KEY_FILE); keep the old key as long as backups made under it\n", *newFile)
	return nil
}

// newKey reads the key file at path, or creates it with a new key.
func newKey(path string) (master []byte, created bool, err error) {
	master, err = crypt.ReadKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		if errors.Is(err, crypt.ErrMalformedKey) {
			return nil, false, usageError{path + ": " + err.Error()}
		}
		return master, false, err
	}
	master = crypt.NewMasterKey()
	if err := crypt.WriteKeyFile(path, master); err != nil {
		return nil, false, err
	}
	return master, true, nil
}
