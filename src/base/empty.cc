// Lets a library whose folder has no source yet still be a static library.
