module overlayctl/probe

go 1.22
