from spinekg.cli import main

main()
