from edwc.cli import main

main()
