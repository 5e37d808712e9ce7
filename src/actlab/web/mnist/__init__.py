"""The live MNIST page: ConvNetJS's MNIST demo, trained by torch on the server, and the race.

``actlab playground`` serves it at ``/mnist``. The pieces, each testable without a browser:

* :mod:`~actlab.web.mnist.netdef`: the network definition the user edits (a small text format),
  parsed and checked against the data's image size;
* :mod:`~actlab.web.mnist.images`: the datasets as images (digits embedded, MNIST,
  Fashion-MNIST, CIFAR-10 from ``--data`` or the data cache) and their random crops;
* :mod:`~actlab.web.mnist.model`: the torch network built from a definition, what one example
  looks like inside it (activations, gradients, filters) and its JSON form;
* :mod:`~actlab.web.mnist.trainer` and :mod:`~actlab.web.mnist.race`: training for a time
  budget and the statistics the page shows;
* :mod:`~actlab.web.mnist.setup`: the page's state as one record, and every client message's
  schema, validated at the edge;
* :mod:`~actlab.web.mnist.session` and :mod:`~actlab.web.mnist.routes`: one tab's session and
  its WebSocket; training runs in a worker thread, never on the event loop.

Why torch and not the NumPy engine: the engine is a fully connected network; the convnet needs
convolution and pooling with their backward passes, which torch has fast and tested (the model
code stays a page long), and the same code runs on CUDA when there is one.
"""
