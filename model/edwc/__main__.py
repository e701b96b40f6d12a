from edwc.cli.main import main

main()
