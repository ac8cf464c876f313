package emulator

import (
	"strings"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/sharing"
)

func TestSharedLinks(t *testing.T) {
	_, base := start(t, Options{})
	upload(t, filesClient(base), "/Results/summary.csv", []byte("a,b\n"))
	sc := sharing.New(config(base, testToken))

	got, err := sc.CreateSharedLinkWithSettings(sharing.NewCreateSharedLinkWithSettingsArg("/results/summary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	fl, ok := got.(*sharing.FileLinkMetadata)
	if !ok || !strings.HasPrefix(fl.Url, "https://www.dropbox.com/scl/fi/") || fl.Name != "summary.csv" || fl.Size != 4 {
		t.Fatalf("link %#v", got)
	}

	// A second request reports the existing link, as Dropbox does.
	_, err = sc.CreateSharedLinkWithSettings(sharing.NewCreateSharedLinkWithSettingsArg("/Results/summary.csv"))
	e, ok := as[sharing.CreateSharedLinkWithSettingsAPIError](err)
	if !ok || e.EndpointError.Tag != "shared_link_already_exists" || e.EndpointError.SharedLinkAlreadyExists == nil {
		t.Fatalf("second create: %T %v", err, err)
	}
	if existing, ok := e.EndpointError.SharedLinkAlreadyExists.Metadata.(*sharing.FileLinkMetadata); !ok || existing.Url != fl.Url {
		t.Errorf("existing link metadata %#v", e.EndpointError.SharedLinkAlreadyExists.Metadata)
	}

	folder, err := sc.CreateSharedLinkWithSettings(sharing.NewCreateSharedLinkWithSettingsArg("/Results"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := folder.(*sharing.FolderLinkMetadata); !ok {
		t.Fatalf("folder link %#v", folder)
	}
	list, err := sc.ListSharedLinks(&sharing.ListSharedLinksArg{Path: "/results/summary.csv"})
	if err != nil || len(list.Links) != 2 || list.HasMore {
		t.Fatalf("links to the file and its folder: %+v %v", list, err)
	}
	direct, err := sc.ListSharedLinks(&sharing.ListSharedLinksArg{Path: "/results/summary.csv", DirectOnly: true})
	if err != nil || len(direct.Links) != 1 {
		t.Fatalf("direct links: %+v %v", direct, err)
	}
	_, err = sc.CreateSharedLinkWithSettings(sharing.NewCreateSharedLinkWithSettingsArg("/missing"))
	if e, ok := as[sharing.CreateSharedLinkWithSettingsAPIError](err); !ok || e.EndpointError.Tag != "path" || e.EndpointError.Path.Tag != "not_found" {
		t.Fatalf("link to a missing file: %T %v", err, err)
	}
}
