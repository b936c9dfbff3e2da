package main

import (
	"encoding/json"
	"fmt"

	"tinystages/datasets/manifest"
)

func decodeManifest(data []byte) (*manifest.Manifest, error) {
	var m manifest.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", manifest.FileName, err)
	}
	if m.Version != manifest.Version {
		return nil, fmt.Errorf("%s has version %d, the engine reads version %d: rebuild the datasets", manifest.FileName, m.Version, manifest.Version)
	}
	return &m, nil
}
