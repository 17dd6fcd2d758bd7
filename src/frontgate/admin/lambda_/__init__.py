"""AWS Lambda's management API (the ``lambda`` REST service) on the admin listener: functions,
their resource policies and reserved concurrency (``api.py`` over the shared wire layer
``admin/wire``, ``wire.py`` its Lambda dialect), function URLs (``urls.py``),
function code checked and unpacked (``code.py``), and functions declared by ``--functions-dir``
(``declared.py``). The runtime that invokes them is ``frontgate.functions``. (The trailing
underscore: ``lambda`` is a Python keyword.)"""
