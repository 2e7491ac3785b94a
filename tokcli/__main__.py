from tokcli.cli import main

main()
