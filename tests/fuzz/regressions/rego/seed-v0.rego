package fuzz

p[x] { x := input.b[_] }

default allow = false
allow { input.a == 1 }
