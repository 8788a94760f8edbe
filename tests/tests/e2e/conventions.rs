use peerhub_tests::*;
