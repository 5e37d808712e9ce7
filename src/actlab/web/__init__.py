"""actlab's playground: TF Playground's page, trained by actlab's engine, served locally.

``actlab playground`` runs :func:`actlab.web.server.serve`. The web stack (Starlette, uvicorn) is
imported only there, so ``import actlab`` stays light.
"""
