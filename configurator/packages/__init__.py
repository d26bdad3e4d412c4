"""Product packages: a folder (or a zip of one) holding a catalog file and its layer images.

- `schema/product-package-1.json`: the published JSON Schema of the catalog file;
- `reader`: opens a folder or zip within the safety limits;
- `validate`: checks a whole package and reports every problem with its place;
- `export`: writes a product's live catalog out as a package.

The import itself is a service: `configurator.services.packages.product_package_import`.
"""
