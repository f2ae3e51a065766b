module github.com/warrenzk/warren

go 1.26.8
