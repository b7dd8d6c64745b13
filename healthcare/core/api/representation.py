"""Serializers' output on hot read paths without their per-request cost.

A DRF serializer builds its fields (a ModelSerializer: from the model's, every time) each
time one is made; on a small answer that costs more than the query. `represent` keeps one
instance of each read serializer, its fields bound once, and asks it for the
representation of each object: the same JSON, the same schema (the class stays what the
view documents), a fraction of the CPU.

Only for serializers whose output depends on the object alone: no `context`, so no
request-dependent fields (hyperlinks, the caller's permissions).
"""

_bound = {}


def _serializer(serializer_class):
    serializer = _bound.get(serializer_class)
    if serializer is None:
        serializer = serializer_class()
        serializer.fields  # noqa: B018 (bind the fields once, before anyone shares it)
        _bound[serializer_class] = serializer
    return serializer


def represent(serializer_class, instance):
    """`serializer_class(instance).data`, as a plain dict."""
    return _serializer(serializer_class).to_representation(instance)


def represent_many(serializer_class, instances):
    """`serializer_class(instances, many=True).data`, as a plain list."""
    serializer = _serializer(serializer_class)
    return [serializer.to_representation(instance) for instance in instances]
