"""Parents' rights and exceptional access: break-the-glass, the AVG export, retention."""
